// KafkaBusServer over InMemoryKafka, a double of the kafkajs API (see its header): this exercises
// our transport code — dispatch by header, retries on the clock, dead-lettering, commit-after-
// success, crash/restart handling, dead-letter listing and replay — under the kafkajs behaviours
// the double models. It does not prove Kafka's semantics (assignment, rebalances between members,
// session timeouts, idempotent producer): kafka-bus.containers.int.spec.ts does, on a broker.
import type { INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { orderingKeyOf, upcastPublicEvent } from '@ticketing/contracts';
import { ManualClock } from '@ticketing/kernel';
import { MemoryEventStore, type RecordedEvent } from '@ticketing/event-store';
import { BusExceptionFilter } from '../bus-exception.filter';
import type { BusTransport } from '../bus-transport';
import { EmbeddedBusServer } from '../embedded/embedded-bus.server';
import { MemoryConsumerStateStore } from '../memory-consumer-state-store.adapter';
import type { DeadLetterRecord } from '../dead-letter';
import { appendOne, BusTestModule, deferred, idle, Probe, settle } from '../embedded/embedded-bus.fixtures';
import { KafkaBusServer, type KafkaBusOptions, type KafkaBusStatus } from './kafka-bus.server';
import { DEAD_LETTER_HEADERS, encodeEvent, EVENT_HEADERS } from './kafka-message.codec';
import { BUS_TEST_EVENT_CONTEXTS } from './test-support/kafka-bus.harness';
import { InMemoryKafka } from './test-support/in-memory-kafka.double';

const INTAKE = 'ticketing.intake.events';
const INTAKE_DLQ = 'ticketing.intake.events.dlq';

describe('KafkaBusServer (on an in-memory kafkajs double)', () => {
  let clock: ManualClock;
  let store: MemoryEventStore;
  let kafka: InMemoryKafka;
  let probe: Probe;
  const apps: INestMicroservice[] = [];

  const options = (extra: Partial<KafkaBusOptions> = {}): KafkaBusOptions => ({
    brokers: [],
    kafka,
    groupIdPrefix: 'svc',
    eventContexts: BUS_TEST_EVENT_CONTEXTS,
    clock,
    retry: { maxAttempts: 3, initialBackoffMs: 100, maxBackoffMs: 30_000, multiplier: 2 },
    ...extra,
  });

  async function boot(extra: Partial<KafkaBusOptions> = {}, { listen = true } = {}): Promise<KafkaBusServer> {
    const server = new KafkaBusServer(options(extra));
    const app = await NestFactory.createMicroservice(BusTestModule.with(probe), { strategy: server, logger: false });
    app.useGlobalFilters(new BusExceptionFilter());
    apps.push(app);
    if (listen) {
      await app.listen();
      await settle(() => server.isHealthy(), 'every group joined');
    } else await app.init();
    return server;
  }

  /** Record an event in the store and put it on its topic, as the relay would. */
  async function publish(stream: string, type: string, topic = INTAKE): Promise<RecordedEvent> {
    const event = await appendOne(store, stream, type);
    kafka.append(topic, encodeEvent(event));
    return event;
  }

  const committed = (group: string, event: RecordedEvent) => {
    const partition = kafka.partitionOf(INTAKE, orderingKeyOf(event.streamName).id);
    return kafka.committedOffset(`svc.${group}`, INTAKE, partition);
  };

  beforeEach(() => {
    clock = new ManualClock('2026-07-01T00:00:00.000Z');
    store = new MemoryEventStore({ clock });
    kafka = new InMemoryKafka();
    probe = new Probe();
  });

  afterEach(async () => {
    clock.advance(3_600_000);
    await Promise.all(apps.splice(0).map((app) => app.close().catch(() => undefined)));
  });

  it('runs one consumer group per bus group on the topics of its event types, dispatching by the event-type header', async () => {
    const server = await boot();
    expect(Object.fromEntries(server.topicsByGroup())).toEqual({
      default: ['ticketing.routing.events'],
      routing: [INTAKE],
      sla: [INTAKE],
    });
    expect(kafka.consumers.map((c) => c.groupId).sort()).toEqual(['svc.default', 'svc.routing', 'svc.sla']);

    const opened = await publish('ticket-1', 'TicketOpened');
    const tagged = await publish('ticket-1', 'TicketTagged');
    const closed = await publish('ticket-1', 'TicketClosed');
    const joined = await publish('agent-1', 'AgentJoined', 'ticketing.routing.events');
    await settle(() => probe.deliveries.length === 4, 'four deliveries');
    await settle(() => committed('routing', closed) === 3 && committed('sla', closed) === 3, 'commits past the skipped message');

    expect(probe.deliveries.map((d) => `${d.handler} ${d.eventId}`).sort()).toEqual(
      [`routing:TicketOpened ${opened.id}`, `routing:TicketClosed ${closed.id}`, `sla:TicketOpened ${opened.id}`, `default:AgentJoined ${joined.id}`].sort(),
    );
    expect(probe.deliveries.some((d) => d.eventId === tagged.id)).toBe(false);
    expect(probe.of('sla:TicketOpened')[0]).toMatchObject({ group: 'sla', attempt: 1, position: opened.globalPosition, correlationId: opened.metadata.correlationId });
  });

  it.each([
    [1, false],
    [3, true],
  ])('processes a partition one message at a time; with partitionsConsumedConcurrently=%i other partitions proceed meanwhile: %s', async (concurrency, otherProceeds) => {
    const blocked = deferred();
    probe.on('routing:TicketOpened', (event) => (event.streamName === 'ticket-a' ? blocked.promise : undefined));
    // Two tickets on different partitions of the intake topic.
    const partitionOfStream = (stream: string) => kafka.partitionOf(INTAKE, orderingKeyOf(stream).id);
    const other = ['ticket-b', 'ticket-c', 'ticket-d', 'ticket-e'].find((t) => partitionOfStream(t) !== partitionOfStream('ticket-a'))!;
    await boot({ partitionsConsumedConcurrently: concurrency });
    await publish('ticket-a', 'TicketOpened');
    const sameTicket = await publish('ticket-a', 'TicketClosed');
    const otherTicket = await publish(other, 'TicketClosed');
    await settle(() => probe.of('routing:TicketOpened').length === 1, 'ticket-a in flight');
    await idle(100);
    expect(probe.deliveries.some((d) => d.eventId === sameTicket.id)).toBe(false);
    expect(probe.deliveries.some((d) => d.eventId === otherTicket.id)).toBe(otherProceeds);
    blocked.resolve();
    await settle(() => [sameTicket, otherTicket].every((e) => probe.deliveries.some((d) => d.eventId === e.id)), 'all delivered');
  });

  it('hands handlers the recorded event upcast to its current shape, with metadata and hash chain as stored', async () => {
    let received: RecordedEvent | undefined;
    probe.on('routing:TicketOpened', (event) => void (received = event));
    await boot();
    const opened = await publish('ticket-1', 'TicketOpened');
    await settle(() => received !== undefined, 'delivery');
    expect(received).toEqual(upcastPublicEvent(opened));
    expect(received).toMatchObject({ id: opened.id, metadata: opened.metadata, hash: opened.hash, prevHash: opened.prevHash });
  });

  it('retries with backoff on the clock, holding the partition and committing only after success', async () => {
    let failures = 2;
    probe.on('routing:TicketOpened', () => {
      if (failures-- > 0) throw new Error('downstream unavailable');
    });
    await boot();
    const opened = await publish('ticket-1', 'TicketOpened');
    const closed = await publish('ticket-1', 'TicketClosed');
    const routing = () => probe.deliveries.filter((d) => d.group === 'routing');

    await settle(() => routing().length === 1 && clock.pendingSleeps === 1, 'first backoff');
    clock.advance(99);
    await idle();
    expect(routing()).toHaveLength(1);
    expect(committed('routing', opened)).toBeUndefined();
    clock.advance(1);
    await settle(() => routing().length === 2 && clock.pendingSleeps === 1, 'second backoff');
    expect(committed('routing', opened)).toBeUndefined();
    clock.advance(200);
    await settle(() => committed('routing', closed) === 2, 'both committed');
    expect(routing().map((d) => [d.eventId, d.attempt])).toEqual([
      [opened.id, 1],
      [opened.id, 2],
      [opened.id, 3],
      [closed.id, 1],
    ]);
    expect(kafka.messages(INTAKE_DLQ)).toEqual([]);
  });

  it('reads only the dead-letter topics of what its groups consume (its Kafka user may read no other)', async () => {
    // Every context's topics exist: the reader must still ask only for those of the topics its groups consume.
    const server = await boot({ ensureTopics: { numPartitions: 1, replicationFactor: 1 } });
    const asked = kafka.offsetTopicsAsked.length;
    expect(await server.listDeadLetters()).toEqual([]);
    const consumed = new Set([...server.topicsByGroup().values()].flat().map((topic) => `${topic}.dlq`));
    expect(consumed.has(INTAKE_DLQ)).toBe(true);
    expect(consumed.has('ticketing.disputes.events.dlq')).toBe(false);
    expect(new Set(kafka.offsetTopicsAsked.slice(asked).filter((topic) => topic.endsWith('.dlq')))).toEqual(consumed);
  });

  it('after the last attempt dead-letters the message to <topic>.dlq with the error, commits after the broker acknowledged, and moves on', async () => {
    probe.on('routing:TicketOpened', (event) => {
      if (event.streamName === 'ticket-bad') throw new TypeError('queue rule missing');
    });
    const hook: Array<[DeadLetterRecord, RecordedEvent | undefined]> = [];
    const events: DeadLetterRecord[] = [];
    const server = await boot({ onDeadLetter: (record, event) => void hook.push([record, event]) });
    server.on('parked', (record) => events.push(record));
    const bad = await publish('ticket-bad', 'TicketOpened');
    const next = await publish('ticket-bad', 'TicketClosed');

    await settle(() => clock.pendingSleeps === 1, 'first backoff');
    clock.advance(100);
    await settle(() => clock.pendingSleeps === 1 && probe.of('routing:TicketOpened').length === 2, 'second backoff');
    clock.advance(200);
    await settle(() => committed('routing', next) === 2, 'moved on');

    const [copy] = kafka.messages(INTAKE_DLQ);
    const header = (name: string) => copy.headers[name]?.toString();
    expect(copy.key?.toString()).toBe('bad');
    expect(JSON.parse(String(copy.value))).toEqual(bad);
    expect(header(EVENT_HEADERS.eventType)).toBe('TicketOpened');
    expect(header(DEAD_LETTER_HEADERS.group)).toBe('routing');
    expect(header(DEAD_LETTER_HEADERS.attempts)).toBe('3');
    expect(header(DEAD_LETTER_HEADERS.errorName)).toBe('TypeError');
    expect(header(DEAD_LETTER_HEADERS.errorMessage)).toBe('queue rule missing');
    expect(header(DEAD_LETTER_HEADERS.errorStack)).toContain('queue rule missing');
    expect(header(DEAD_LETTER_HEADERS.originalTopic)).toBe(INTAKE);
    expect(header(DEAD_LETTER_HEADERS.originalPartition)).toBe(String(kafka.partitionOf(INTAKE, 'bad')));
    expect(header(DEAD_LETTER_HEADERS.originalOffset)).toBe('0');
    expect(kafka.sends.filter((s) => s.topics.includes(INTAKE_DLQ))).toEqual([{ topics: [INTAKE_DLQ], acks: -1, count: 1, idempotent: true }]);

    expect(probe.of('routing:TicketClosed').map((d) => d.eventId)).toEqual([next.id]);
    expect(probe.of('sla:TicketOpened').map((d) => d.eventId)).toEqual([bad.id]);
    const [record] = await server.listDeadLetters();
    expect(record).toMatchObject({
      group: 'routing',
      position: bad.globalPosition,
      eventId: bad.id,
      eventType: 'TicketOpened',
      streamName: 'ticket-bad',
      attempts: 3,
      error: { name: 'TypeError', message: 'queue rule missing' },
      parkedAt: '2026-07-01T00:00:00.300Z',
      replayedAt: null,
    });
    expect(events).toEqual([record]);
    expect(hook).toEqual([[record, bad]]);
    expect((await server.groupStatus()).find((s) => s.group === 'routing')).toMatchObject({ parked: 1, lag: 0, running: true });
  });

  it('does not commit while the dead-letter copy is unacknowledged: the message is processed again, parked once the topic takes it', async () => {
    probe.on('routing:TicketOpened', () => {
      throw new Error('always');
    });
    const server = await boot({ retry: { maxAttempts: 1 } });
    kafka.failNextSends(1, new Error('NOT_ENOUGH_REPLICAS'));
    const bad = await publish('ticket-1', 'TicketOpened');
    await settle(() => committed('routing', bad) === 1, 'parked and committed');
    // First pass: handler failed, the copy was refused, nothing committed; kafkajs re-fetched it.
    expect(probe.of('routing:TicketOpened').map((d) => d.attempt)).toEqual([1, 1]);
    expect(kafka.messages(INTAKE_DLQ)).toHaveLength(1);
    expect(await server.listDeadLetters()).toHaveLength(1);
  });

  it('folds a message parked twice (acknowledgement lost before the commit) into one dead letter', async () => {
    probe.on('routing:TicketOpened', () => {
      throw new Error('always');
    });
    const server = await boot({ retry: { maxAttempts: 1 } });
    kafka.failNextSends(1, new Error('REQUEST_TIMED_OUT'), true);
    const bad = await publish('ticket-1', 'TicketOpened');
    await settle(() => committed('routing', bad) === 1, 'parked and committed');
    expect(kafka.messages(INTAKE_DLQ)).toHaveLength(2);
    const records = await server.listDeadLetters();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ eventId: bad.id, group: 'routing' });
  });

  it('dead-letters what is not a bus event at once, without calling handlers', async () => {
    const server = await boot();
    kafka.append(INTAKE, { key: 't-x', value: 'not json', headers: { [EVENT_HEADERS.eventType]: 'TicketClosed' } });
    kafka.append(INTAKE, { key: 't-y', value: '{}' });
    const opened = await appendOne(store, 'ticket-z', 'TicketOpened');
    kafka.append(INTAKE, { ...encodeEvent(opened), headers: { ...encodeEvent(opened).headers, [EVENT_HEADERS.eventType]: 'TicketClosed' } });
    kafka.append(INTAKE, { key: 't-w', value: 'whatever', headers: { [EVENT_HEADERS.eventType]: 'TicketTagged' } });
    // routing: bad JSON, no type header, type contradicting the value; sla: only the untyped one.
    await settle(() => kafka.messages(INTAKE_DLQ).length === 4, 'four dead letters');
    await idle();
    expect(probe.deliveries).toEqual([]);
    const records = await server.listDeadLetters({ includeReplayed: true });
    expect(records.map((r) => [r.group, r.attempts, r.error.name, r.error.message]).sort()).toEqual(
      [
        ['routing', 1, 'PoisonMessageError', expect.stringMatching(/^Message value is not JSON/)],
        ['routing', 1, 'PoisonMessageError', 'Message has no event-type header'],
        ['routing', 1, 'PoisonMessageError', 'Header event-type=TicketClosed contradicts the event\'s type TicketOpened'],
        ['sla', 1, 'PoisonMessageError', 'Message has no event-type header'],
      ].sort(),
    );
  });

  it('restarts a consumer kafkajs gave up on (CRASH, restart: false) after a backoff, failing readiness meanwhile, and loses nothing', async () => {
    const statuses: KafkaBusStatus[] = [];
    const errors: Array<[string, unknown]> = [];
    const server = await boot({ restartDelayMs: 1_000 });
    server.status.subscribe((status) => statuses.push(status));
    server.on('error', (error, group) => errors.push([group, error]));
    const first = await publish('ticket-1', 'TicketOpened');
    await settle(() => committed('routing', first) === 1, 'first handled');

    await kafka.member('svc.routing')!.crash(new Error('KafkaJSNonRetriableError: unknown'), false);
    await settle(() => clock.pendingSleeps === 1, 'restart scheduled');
    expect(server.isHealthy()).toBe(false);
    expect(statuses.at(-1)).toBe('degraded');
    expect(errors).toEqual([['routing', expect.objectContaining({ message: 'KafkaJSNonRetriableError: unknown' })]]);
    const second = await publish('ticket-1', 'TicketClosed');
    await idle();
    expect(probe.of('routing:TicketClosed')).toEqual([]);

    clock.advance(1_000);
    await settle(() => server.isHealthy(), 'running again');
    await settle(() => committed('routing', second) === 2, 'resumed');
    expect(statuses.at(-1)).toBe('listening');
    expect(kafka.consumers.filter((c) => c.groupId === 'svc.routing')).toHaveLength(2);
    expect(probe.of('routing:TicketOpened')).toHaveLength(1);
    expect(probe.of('routing:TicketClosed').map((d) => d.eventId)).toEqual([second.id]);
  });

  it('counts a consumer kafkajs restarts itself (CRASH, restart: true) as down until it has joined again', async () => {
    const server = await boot();
    const member = kafka.member('svc.sla')!;
    const joined = deferred();
    let seenUnhealthy = false;
    member.on(member.events.CRASH, () => {
      seenUnhealthy = !server.isHealthy();
      joined.resolve();
    });
    await member.crash(new Error('KafkaJSConnectionError: Connection timeout'), true);
    await joined.promise;
    expect(seenUnhealthy).toBe(true);
    await settle(() => server.isHealthy(), 'joined again');
    expect(kafka.consumers.filter((c) => c.groupId === 'svc.sla')).toHaveLength(1);
  });

  it('keeps trying to start when the broker is unreachable, doubling the wait, without failing the boot', async () => {
    // Every group's first connect fails; default's and routing's second one too (they retry first).
    kafka.failNextConnects(5);
    const server = await boot({ restartDelayMs: 1_000 }, { listen: false });
    await apps[0].listen();
    await settle(() => clock.pendingSleeps === 3, 'every group waiting to restart');
    expect(server.isHealthy()).toBe(false);
    clock.advance(1_000);
    await settle(() => clock.pendingSleeps === 2 && kafka.consumers.length === 6, 'two failed again');
    clock.advance(1_999);
    await idle();
    expect(server.isHealthy()).toBe(false);
    clock.advance(1);
    await settle(() => server.isHealthy(), 'all groups running');
    expect(kafka.consumers).toHaveLength(8);
  });

  it('close() during a backoff leaves the message uncommitted and unparked: the next start delivers it again', async () => {
    let fail = true;
    probe.on('routing:TicketOpened', () => {
      if (fail) throw new Error('downstream unavailable');
    });
    await boot();
    const opened = await publish('ticket-1', 'TicketOpened');
    await settle(() => clock.pendingSleeps === 1, 'waiting to retry');
    await apps.pop()!.close();
    expect(committed('routing', opened)).toBeUndefined();
    expect(kafka.messages(INTAKE_DLQ)).toEqual([]);

    fail = false;
    await boot();
    await settle(() => committed('routing', opened) === 1, 'delivered after restart');
    expect(probe.of('routing:TicketOpened').map((d) => d.attempt)).toEqual([1, 1]);
  });

  it('a rebalance reported by a heartbeat during a backoff ends the delivery uncommitted; the message is fetched again', async () => {
    let failures = 1;
    probe.on('routing:TicketOpened', () => {
      if (failures-- > 0) throw new Error('downstream unavailable');
    });
    await boot();
    kafka.failNextHeartbeats(1, Object.assign(new Error('The group is rebalancing'), { type: 'REBALANCE_IN_PROGRESS' }));
    const opened = await publish('ticket-1', 'TicketOpened');
    await settle(() => clock.pendingSleeps === 1, 'backoff');
    clock.advance(100);
    await settle(() => committed('routing', opened) === 1, 'committed after the re-fetch');
    // attempt 1 failed, the heartbeat after its backoff reported the rebalance, the re-fetch succeeded.
    expect(probe.of('routing:TicketOpened').map((d) => d.attempt)).toEqual([1, 1]);
    expect(kafka.member('svc.routing')!.processingErrors).toEqual([expect.objectContaining({ message: 'The group is rebalancing' })]);
  });

  it('lists and replays dead letters like the embedded bus: success marks them replayed, failure keeps them with the new error', async () => {
    let fixed = false;
    probe.on('routing:TicketOpened', () => {
      if (!fixed) throw new Error('rules missing');
    });
    probe.on('sla:TicketOpened', (event) => {
      if (event.streamName === 'ticket-2') throw new Error('sla down');
    });
    const service = await boot({ retry: { maxAttempts: 1 } });
    const one = await publish('ticket-1', 'TicketOpened');
    const two = await publish('ticket-2', 'TicketOpened');
    await settle(() => kafka.messages(INTAKE_DLQ).length === 3, 'three dead letters');
    const parked = await service.listDeadLetters();
    expect(parked.map((r) => [r.group, r.position])).toEqual([
      ['routing', one.globalPosition],
      ['routing', two.globalPosition],
      ['sla', two.globalPosition],
    ]);
    expect(await service.listDeadLetters({ group: 'sla' })).toHaveLength(1);
    expect(await service.listDeadLetters({ limit: 1 })).toHaveLength(1);

    // The CLI: handlers registered, not consuming.
    const cli = await boot({ retry: { maxAttempts: 1 } }, { listen: false });
    const [routingOne, routingTwo, slaTwo] = parked;
    expect(await cli.replayDeadLetters({ ids: ['nope', slaTwo.id], group: 'routing' })).toEqual([
      { id: 'nope', outcome: 'not_found', reason: 'no dead letter with this id' },
      expect.objectContaining({ id: slaTwo.id, outcome: 'skipped', reason: 'belongs to group sla' }),
    ]);
    fixed = true;
    const results = await cli.replayDeadLetters();
    expect(results).toEqual([
      expect.objectContaining({ id: routingOne.id, outcome: 'replayed', attempts: 2 }),
      expect.objectContaining({ id: routingTwo.id, outcome: 'replayed', attempts: 2 }),
      expect.objectContaining({ id: slaTwo.id, outcome: 'failed', attempts: 2, error: expect.objectContaining({ message: 'sla down' }) }),
    ]);
    expect(probe.of('routing:TicketOpened').slice(-2).map((d) => d.attempt)).toEqual([2, 2]);
    expect(await service.listDeadLetters()).toEqual([expect.objectContaining({ id: slaTwo.id, attempts: 2, lastFailedAt: '2026-07-01T00:00:00.000Z' })]);
    const all = await service.listDeadLetters({ includeReplayed: true });
    expect(all.filter((r) => r.replayedAt !== null).map((r) => r.id)).toEqual([routingOne.id, routingTwo.id]);
    expect(await cli.replayDeadLetters({ ids: [routingOne.id] })).toEqual([
      expect.objectContaining({ id: routingOne.id, outcome: 'skipped', reason: expect.stringMatching(/^already replayed at /) }),
    ]);
    // Markers carry no copy of the event.
    expect(kafka.messages(INTAKE_DLQ).filter((m) => m.value === null)).toHaveLength(3);
  });

  it('refuses to listen when a handled event type has no known context', async () => {
    await expect(boot({ eventContexts: { TicketOpened: 'intake', AgentJoined: 'routing' } })).rejects.toThrow(
      /Consumer group routing handles TicketClosed, but no context is known for it/,
    );
  });

  it('reports per-group offsets from what the consumers saw, high watermarks refreshed in the background, never asking on the call', async () => {
    const block = deferred();
    probe.on('sla:TicketOpened', () => block.promise);
    const server = await boot({ offsetsRefreshMs: 10_000 });
    await publish('ticket-1', 'TicketOpened');
    await settle(() => probe.of('sla:TicketOpened').length === 1, 'sla blocked');
    await publish('ticket-1', 'TicketOpened');
    await settle(() => probe.of('routing:TicketOpened').length === 2, 'routing handled both');
    await settle(() => committed('routing', { streamName: 'ticket-1' } as RecordedEvent) === 2, 'routing done');
    // sla is stuck on its first message: it fetched nothing since, and knows of one message only.
    kafka.unreachable = true;
    const calls = kafka.adminCalls.length;
    expect((await server.groupStatus()).find((s) => s.group === 'sla')).toMatchObject({ head: 1, lag: 1 });
    expect(kafka.adminCalls).toHaveLength(calls);
    kafka.unreachable = false;
    clock.advance(10_000);
    await settle(() => kafka.adminCalls.includes('fetchTopicOffsets'), 'high watermarks refreshed');
    await idle();
    expect(await server.groupStatus()).toEqual([
      { group: 'default', eventTypes: ['AgentJoined'], checkpoint: 0, head: 0, lag: 0, parked: 0, running: true },
      { group: 'routing', eventTypes: ['TicketClosed', 'TicketOpened'], checkpoint: 2, head: 2, lag: 0, parked: 0, running: true },
      { group: 'sla', eventTypes: ['TicketOpened'], checkpoint: 0, head: 2, lag: 2, parked: 0, running: true },
    ]);
    block.resolve();
  });

  it('offers the runtime and the CLI the same surface as the embedded bus', () => {
    const transports: BusTransport[] = [
      new KafkaBusServer(options()),
      new EmbeddedBusServer({ eventStore: store, state: new MemoryConsumerStateStore(), clock }),
    ];
    for (const transport of transports) {
      for (const method of ['listen', 'close', 'isHealthy', 'groupStatus', 'listDeadLetters', 'replayDeadLetters', 'subscriptions'] as const) {
        expect(typeof transport[method]).toBe('function');
      }
    }
  });

  it('starts no consumer before beforeConsuming resolved (the topics were looked at), then every group', async () => {
    const topicsLooked = deferred();
    const server = await boot({ beforeConsuming: () => topicsLooked.promise }, { listen: false });
    const listening = new Promise<void>((resolve, reject) => server.listen((error) => (error ? reject(error) : resolve())));
    await listening;
    await idle();
    expect(kafka.consumers).toHaveLength(0);
    topicsLooked.resolve();
    await settle(() => server.isHealthy(), 'every group joined');
    expect(kafka.consumers.length).toBeGreaterThan(0);
  });

  it('creates the context topics and their dead-letter topics when asked', async () => {
    await boot({ ensureTopics: { numPartitions: 6, replicationFactor: 1 } });
    for (const topic of ['ticketing.intake.events', 'ticketing.intake.events.dlq', 'ticketing.disputes.events.dlq']) {
      expect(kafka.hasTopic(topic)).toBe(true);
    }
    expect(kafka.partitionsOf('ticketing.sla.events')).toHaveLength(6);
  });
});
