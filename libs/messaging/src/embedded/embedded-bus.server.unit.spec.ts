import { AsyncLocalStorage } from 'node:async_hooks';
import { ManualClock } from '@ticketing/kernel';
import { MemoryEventStore, type RecordedEvent } from '@ticketing/event-store';
import { Subject } from 'rxjs';
import { MemoryConsumerStateStore } from '../memory-consumer-state-store.adapter';
import type { DeadLetterRecord } from '../dead-letter';
import type { EmbeddedBusOptions, EmbeddedBusStatus } from './embedded-bus.server';
import {
  appendOne,
  bootBus,
  deferred,
  idle,
  Probe,
  settle,
  settleCheckpoint,
  type BootedBus,
} from './embedded-bus.fixtures';

describe('EmbeddedBusServer', () => {
  let clock: ManualClock;
  let store: MemoryEventStore;
  let state: MemoryConsumerStateStore;
  let probe: Probe;
  const booted: BootedBus[] = [];

  const options = (extra: Partial<EmbeddedBusOptions> = {}): EmbeddedBusOptions => ({
    eventStore: store,
    state,
    clock,
    retry: { maxAttempts: 3, initialBackoffMs: 100, maxBackoffMs: 30_000, multiplier: 2 },
    ...extra,
  });

  const boot = async (extra: Partial<EmbeddedBusOptions> = {}, flags?: { listen?: boolean; filter?: boolean }) => {
    const bus = await bootBus(probe, options(extra), flags);
    booted.push(bus);
    return bus;
  };

  beforeEach(() => {
    clock = new ManualClock('2026-03-01T10:00:00.000Z');
    store = new MemoryEventStore({ clock });
    state = new MemoryConsumerStateStore();
    probe = new Probe();
  });

  afterEach(async () => {
    // Unblock anything a test left waiting on the clock so every app can close.
    clock.advance(3_600_000);
    await Promise.all(booted.splice(0).map(({ app }) => app.close().catch(() => undefined)));
  });

  it('dispatches each event by type to the handlers of the groups that consume it, and only those', async () => {
    const { server } = await boot();
    expect(Object.fromEntries(server.subscriptions())).toEqual({
      default: ['AgentJoined'],
      routing: ['TicketClosed', 'TicketOpened'],
      sla: ['TicketOpened'],
    });

    const opened = await appendOne(store, 'ticket-1', 'TicketOpened');
    const unrelated = await appendOne(store, 'ticket-1', 'TicketTagged');
    const closed = await appendOne(store, 'ticket-1', 'TicketClosed');
    const joined = await appendOne(store, 'agent-1', 'AgentJoined');
    await settleCheckpoint(state, 'routing', closed.globalPosition);
    await settleCheckpoint(state, 'sla', opened.globalPosition);
    await settleCheckpoint(state, 'default', joined.globalPosition);
    await idle();
    expect(server.isHealthy()).toBe(true);

    expect(probe.deliveries.map((d) => [d.handler, d.eventId])).toEqual(
      expect.arrayContaining([
        ['routing:TicketOpened', opened.id],
        ['routing:TicketClosed', closed.id],
        ['sla:TicketOpened', opened.id],
        ['default:AgentJoined', joined.id],
      ]),
    );
    expect(probe.deliveries).toHaveLength(4);
    expect(probe.deliveries.some((d) => d.eventId === unrelated.id)).toBe(false);
    // The context carries the envelope, the group and the attempt.
    expect(probe.of('sla:TicketOpened')[0]).toMatchObject({
      group: 'sla',
      attempt: 1,
      position: opened.globalPosition,
      streamName: 'ticket-1',
      correlationId: opened.metadata.correlationId,
    });
    expect(probe.of('default:AgentJoined')[0].group).toBe('default');
  });

  it('delivers every stream in order, one event at a time, under many interleaved streams', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    probe.on('routing:TicketOpened', async (event) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      // Uneven handler durations: any reordering or overlap would show.
      for (let i = 0; i < (event.globalPosition * 7) % 5; i++) await new Promise((r) => setImmediate(r));
      inFlight--;
    });
    await boot();
    const streams = Array.from({ length: 25 }, (_, i) => `ticket-${i}`);
    let last: RecordedEvent | undefined;
    for (let round = 0; round < 8; round++) {
      // A different interleaving every round, appended while the group is consuming.
      for (const stream of [...streams].sort((a, b) => ((a.length * 31 + round * 17) % 7) - ((b.length * 13 + round) % 5))) {
        last = await appendOne(store, stream, 'TicketOpened');
      }
      await idle(3);
    }
    await settleCheckpoint(state, 'routing', last!.globalPosition);

    const seen = probe.of('routing:TicketOpened');
    expect(seen).toHaveLength(25 * 8);
    expect(seen.map((d) => d.position)).toEqual([...seen.map((d) => d.position)].sort((a, b) => a - b));
    for (const stream of streams) {
      expect(seen.filter((d) => d.streamName === stream).map((d) => d.streamRevision)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    }
    expect(maxInFlight).toBe(1);
  });

  it('after a stop mid-handler, a restart resumes from the checkpoint: nothing skipped, only the unacknowledged event redelivered', async () => {
    const blocked = deferred();
    let firstRun = true;
    probe.on('sla:TicketOpened', (event) => (firstRun && event.globalPosition === 3 ? blocked.promise : undefined));
    const first = await boot({ closeTimeoutMs: 5_000 });
    const events: RecordedEvent[] = [];
    for (let i = 1; i <= 5; i++) events.push(await appendOne(store, `ticket-${i}`, 'TicketOpened'));
    await settle(() => probe.of('sla:TicketOpened').length === 3, 'the third event in flight');

    // The process goes away while the handler of event 3 never finishes.
    const closing = first.app.close();
    await idle();
    clock.advance(5_000);
    await closing;
    expect(await state.loadCheckpoint('sla')).toBe(2);

    firstRun = false;
    await boot();
    await settleCheckpoint(state, 'sla', 5);
    await idle();
    expect(probe.of('sla:TicketOpened').map((d) => d.position)).toEqual([1, 2, 3, 3, 4, 5]);

    // And a third start has nothing left to deliver.
    await boot();
    await idle();
    expect(probe.of('sla:TicketOpened')).toHaveLength(6);
    expect(events.map((e) => e.globalPosition)).toEqual([1, 2, 3, 4, 5]);
  });

  it('retries a failing handler with exponential backoff on the clock, holding the group until it succeeds', async () => {
    let failuresLeft = 3;
    probe.on('sla:TicketOpened', () => {
      if (failuresLeft-- > 0) throw new Error('downstream unavailable');
    });
    await boot({ retry: { maxAttempts: 5, initialBackoffMs: 100, multiplier: 2, maxBackoffMs: 30_000 } });
    const first = await appendOne(store, 'ticket-1', 'TicketOpened');
    const second = await appendOne(store, 'ticket-2', 'TicketOpened');
    const attempts = () => probe.of('sla:TicketOpened').filter((d) => d.eventId === first.id).length;

    for (const [attempt, backoff] of [
      [1, 100],
      [2, 200],
      [3, 400],
    ] as const) {
      await settle(() => attempts() === attempt && clock.pendingSleeps === 1, `attempt ${attempt} waiting`);
      clock.advance(backoff - 1);
      await idle();
      expect(attempts()).toBe(attempt);
      // Order holds: the next event waits behind the failing one, and nothing is acknowledged.
      expect(probe.of('sla:TicketOpened').some((d) => d.eventId === second.id)).toBe(false);
      expect(await state.loadCheckpoint('sla')).toBe(0);
      clock.advance(1);
    }
    await settleCheckpoint(state, 'sla', second.globalPosition);
    expect(probe.of('sla:TicketOpened').map((d) => [d.position, d.attempt])).toEqual([
      [1, 1],
      [1, 2],
      [1, 3],
      [1, 4],
      [2, 1],
    ]);
    expect(await state.listParked()).toEqual([]);
  });

  it('parks an event after maxAttempts with its error, then the group moves on', async () => {
    probe.on('routing:TicketOpened', (event) => {
      if (event.streamName === 'ticket-bad') throw new TypeError('queue rule missing for ticket-bad');
    });
    const hookCalls: Array<[DeadLetterRecord, RecordedEvent]> = [];
    const parkedEvents: DeadLetterRecord[] = [];
    const { server } = await boot({ onDeadLetter: (record, event) => void hookCalls.push([record, event]) });
    server.on('parked', (record) => parkedEvents.push(record));
    const bad = await appendOne(store, 'ticket-bad', 'TicketOpened');
    const good = await appendOne(store, 'ticket-good', 'TicketOpened');

    await settle(() => clock.pendingSleeps === 1, 'first backoff');
    clock.advance(100);
    await settle(() => clock.pendingSleeps === 1 && probe.of('routing:TicketOpened').length === 2, 'second backoff');
    clock.advance(200);
    await settleCheckpoint(state, 'routing', good.globalPosition);

    expect(probe.of('routing:TicketOpened').map((d) => [d.position, d.attempt])).toEqual([
      [1, 1],
      [1, 2],
      [1, 3],
      [2, 1],
    ]);
    const parked = await server.listDeadLetters();
    expect(parked).toEqual([
      {
        id: expect.any(String),
        group: 'routing',
        position: bad.globalPosition,
        eventId: bad.id,
        eventType: 'TicketOpened',
        streamName: 'ticket-bad',
        error: { name: 'TypeError', message: 'queue rule missing for ticket-bad', stack: expect.stringContaining('TypeError') },
        attempts: 3,
        parkedAt: '2026-03-01T10:00:00.300Z',
        lastFailedAt: '2026-03-01T10:00:00.300Z',
        replayedAt: null,
      },
    ]);
    expect(hookCalls).toEqual([[parked[0], bad]]);
    expect(parkedEvents).toEqual([parked[0]]);
    // The other group never saw the failure.
    expect(probe.of('sla:TicketOpened').map((d) => d.position)).toEqual([1, 2]);
  });

  it('without BusExceptionFilter still parks, with the message Nest reduced the error to', async () => {
    probe.on('routing:TicketOpened', () => {
      throw new Error('the real cause');
    });
    const { server } = await boot({ retry: { maxAttempts: 1 } }, { filter: false });
    await appendOne(store, 'ticket-1', 'TicketOpened');
    await settleCheckpoint(state, 'routing', 1);
    const [record] = await server.listDeadLetters();
    expect(record.error).toEqual({ name: 'RpcError', message: 'Internal server error', stack: null });
  });

  it('lists parked events and replays them: success marks them replayed, failure keeps them parked', async () => {
    let fixed = false;
    probe.on('routing:TicketOpened', () => {
      if (!fixed) throw new Error('still broken');
    });
    probe.on('routing:TicketClosed', () => {
      if (!fixed) throw new Error('closed broken');
    });
    const { server } = await boot({ retry: { maxAttempts: 1 } });
    const opened = await appendOne(store, 'ticket-1', 'TicketOpened');
    const closed = await appendOne(store, 'ticket-1', 'TicketClosed');
    await settleCheckpoint(state, 'routing', closed.globalPosition);
    const [openedLetter, closedLetter] = await server.listDeadLetters({ group: 'routing' });
    expect([openedLetter.eventId, closedLetter.eventId]).toEqual([opened.id, closed.id]);
    expect(await server.listDeadLetters({ group: 'sla' })).toEqual([]);

    // Still broken: the replay fails, the record stays parked with one more attempt.
    clock.advance(60_000);
    expect(await server.replayDeadLetters({ ids: [openedLetter.id, 'no-such-id'] })).toEqual([
      expect.objectContaining({ id: 'no-such-id', outcome: 'not_found' }),
      expect.objectContaining({
        id: openedLetter.id,
        outcome: 'failed',
        attempts: 2,
        error: expect.objectContaining({ message: 'still broken' }),
      }),
    ]);
    expect(await state.getParked(openedLetter.id)).toMatchObject({
      attempts: 2,
      lastFailedAt: '2026-03-01T10:01:00.000Z',
      parkedAt: openedLetter.parkedAt,
      replayedAt: null,
    });

    // Fixed: replaying the group delivers both once more, in position order, and marks them.
    fixed = true;
    const before = probe.deliveries.length;
    const results = await server.replayDeadLetters({ group: 'routing' });
    expect(results.map((r) => [r.id, r.outcome])).toEqual([
      [openedLetter.id, 'replayed'],
      [closedLetter.id, 'replayed'],
    ]);
    expect(probe.deliveries.slice(before).map((d) => [d.handler, d.attempt])).toEqual([
      ['routing:TicketOpened', 3],
      ['routing:TicketClosed', 2],
    ]);
    expect(await server.listDeadLetters()).toEqual([]);
    const all = await server.listDeadLetters({ includeReplayed: true });
    expect(all.map((r) => r.replayedAt)).toEqual(['2026-03-01T10:01:00.000Z', '2026-03-01T10:01:00.000Z']);
    // A replayed record is not replayed twice.
    expect(await server.replayDeadLetters({ ids: [openedLetter.id] })).toEqual([
      expect.objectContaining({ outcome: 'skipped' }),
    ]);
    expect(probe.deliveries.length).toBe(before + 2);
  });

  it('replays without listening, as the CLI does, and consumes nothing while doing so', async () => {
    probe.on('sla:TicketOpened', () => {
      throw new Error('broken');
    });
    const running = await boot({ retry: { maxAttempts: 1 } });
    await appendOne(store, 'ticket-1', 'TicketOpened');
    await settleCheckpoint(state, 'sla', 1);
    await running.app.close();
    const [letter] = await state.listParked({ group: 'sla' });
    const pending = await appendOne(store, 'ticket-2', 'TicketOpened');

    probe.on('sla:TicketOpened', () => undefined);
    const cli = await boot({}, { listen: false });
    expect(cli.server.isHealthy()).toBe(false);
    const before = probe.deliveries.length;
    expect(await cli.server.replayDeadLetters()).toEqual([expect.objectContaining({ id: letter.id, outcome: 'replayed' })]);
    await idle();
    // Only the replayed event was delivered: the CLI context does not consume the log.
    expect(probe.deliveries.slice(before).map((d) => [d.handler, d.position])).toEqual([['sla:TicketOpened', 1]]);
    expect(await state.loadCheckpoint('sla')).toBe(1);
    expect(probe.deliveries.some((d) => d.eventId === pending.id)).toBe(false);
  });

  it('keeps groups independent: a group stuck on a failing handler does not hold back another group', async () => {
    probe.on('routing:TicketOpened', () => {
      throw new Error('routing is down');
    });
    const { server } = await boot({ retry: { maxAttempts: 10 } });
    const events: RecordedEvent[] = [];
    for (let i = 1; i <= 3; i++) events.push(await appendOne(store, `ticket-${i}`, 'TicketOpened'));
    await settleCheckpoint(state, 'sla', 3);

    expect(probe.of('sla:TicketOpened').map((d) => d.position)).toEqual([1, 2, 3]);
    expect(probe.of('routing:TicketOpened').map((d) => d.position)).toEqual([1]);
    expect(await state.loadCheckpoint('routing')).toBe(0);
    // Retrying is not unhealthy: every loop is alive.
    expect(server.isHealthy()).toBe(true);
    const status = await server.groupStatus();
    expect(status).toEqual([
      { group: 'default', eventTypes: ['AgentJoined'], checkpoint: 0, head: 3, lag: 0, parked: 0, running: true },
      { group: 'routing', eventTypes: ['TicketClosed', 'TicketOpened'], checkpoint: 0, head: 3, lag: 3, parked: 0, running: true },
      { group: 'sla', eventTypes: ['TicketOpened'], checkpoint: 3, head: 3, lag: 0, parked: 0, running: true },
    ]);
  });

  it('close() lets the in-flight handler finish and acknowledges it, then takes no more events', async () => {
    const gate = deferred();
    probe.on('sla:TicketOpened', (event) => (event.globalPosition === 1 ? gate.promise : undefined));
    const { app, server } = await boot();
    await appendOne(store, 'ticket-1', 'TicketOpened');
    await appendOne(store, 'ticket-2', 'TicketOpened');
    await settle(() => probe.of('sla:TicketOpened').length === 1, 'handler in flight');

    let closed = false;
    const closing = app.close().then(() => (closed = true));
    await idle();
    expect(closed).toBe(false);
    expect(server.isHealthy()).toBe(false);

    gate.resolve();
    await closing;
    expect(await state.loadCheckpoint('sla')).toBe(1);
    await appendOne(store, 'ticket-3', 'TicketOpened').catch(() => undefined);
    await idle();
    expect(probe.of('sla:TicketOpened').map((d) => d.position)).toEqual([1]);
  });

  it('close() during a backoff abandons the retry without parking, so the event is redelivered later', async () => {
    probe.on('sla:TicketOpened', () => {
      throw new Error('flaky');
    });
    const { app } = await boot({ retry: { maxAttempts: 5 } });
    await appendOne(store, 'ticket-1', 'TicketOpened');
    await settle(() => clock.pendingSleeps === 1, 'backoff');
    await app.close();
    expect(await state.loadCheckpoint('sla')).toBe(0);
    expect(await state.listParked()).toEqual([]);
    expect(probe.of('sla:TicketOpened')).toHaveLength(1);
  });

  it('awaits handlers that return observables before acknowledging', async () => {
    const stream = new Subject<string>();
    probe.on('sla:TicketOpened', () => stream.asObservable());
    await boot();
    await appendOne(store, 'ticket-1', 'TicketOpened');
    await settle(() => probe.of('sla:TicketOpened').length === 1, 'delivery');
    stream.next('partial');
    await idle();
    expect(await state.loadCheckpoint('sla')).toBe(0);
    stream.complete();
    await settleCheckpoint(state, 'sla', 1);
  });

  it('runs every handler call inside runInContext with the event, e.g. for the correlation id', async () => {
    const correlation = new AsyncLocalStorage<string>();
    const seen: Array<string | undefined> = [];
    probe.on('sla:TicketOpened', () => void seen.push(correlation.getStore()));
    await boot({ runInContext: (event, fn) => correlation.run(event.metadata.correlationId, fn) });
    const event = await appendOne(store, 'ticket-1', 'TicketOpened');
    await settleCheckpoint(state, 'sla', 1);
    expect(seen).toEqual([event.metadata.correlationId]);
  });

  it('reports readiness and status transitions, and recovers a group whose store call failed', async () => {
    const failingState = Object.create(state) as MemoryConsumerStateStore;
    let failLoads = 1;
    failingState.loadCheckpoint = async (group: string) => {
      if (group === 'sla' && failLoads-- > 0) throw new Error('SQLITE_BUSY');
      return state.loadCheckpoint(group);
    };
    const { server } = await boot({ state: failingState, restartDelayMs: 1_000 }, { listen: false });
    const statuses: EmbeddedBusStatus[] = [];
    server.status.subscribe((s) => statuses.push(s));
    const errors: Array<[unknown, string]> = [];
    server.on('error', (error, group) => errors.push([error, group]));
    expect(server.isHealthy()).toBe(false);

    await new Promise<void>((resolve) => server.listen(() => resolve()));
    await settle(() => errors.length === 1, 'the failing group');
    expect(errors[0][1]).toBe('sla');
    expect(server.isHealthy()).toBe(false);

    clock.advance(1_000);
    await settle(() => server.isHealthy(), 'recovery');
    await appendOne(store, 'ticket-1', 'TicketOpened');
    await settleCheckpoint(state, 'sla', 1);
    await server.close();
    expect(server.isHealthy()).toBe(false);
    expect(statuses).toEqual(['starting', 'degraded', 'listening', 'stopped']);
  });
});
