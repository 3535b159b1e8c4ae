import { ManualClock, newId } from '@ticketing/kernel';
import { MemoryEventStore, type EventStore, type RecordedEvent } from '@ticketing/event-store';
import { deferred, idle, settle } from '../embedded/embedded-bus.fixtures';
import { MemoryConsumerStateStore } from '../memory-consumer-state-store.adapter';
import { EventRelay, relayCheckpointName, type EventRelayOptions } from './event.relay';
import type { RelayCheckpointStore } from './relay.ports';
import { firstOccurrences, RecordingRelayPublisher } from './test-support/recording-relay.publisher';

let sequence = 0;

const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** `ticketId` null: an event of no ticket. */
async function append(store: EventStore, stream: string, ticketId: string | null, type = 'TicketOpened'): Promise<RecordedEvent> {
  sequence++;
  const { lastGlobalPosition } = await store.append(
    stream,
    [
      {
        id: newId(),
        type,
        schemaVersion: 1,
        data: { ...(ticketId !== null && { ticketId }) },
        metadata: {
          ...(ticketId !== null && { ticketId }),
          correlationId: `corr-${sequence}`,
          causationId: `cause-${sequence}`,
          actor: { kind: 'system', id: 'test' },
          occurredAt: '2026-01-01T00:00:00.000Z',
        },
      },
    ],
    { expectedRevision: 'any' },
  );
  for await (const event of store.readAll({ fromPosition: lastGlobalPosition - 1, max: 1 })) return event;
  throw new Error('appended event not found');
}

describe('EventRelay', () => {
  let clock: ManualClock;
  let store: MemoryEventStore;
  let checkpoints: MemoryConsumerStateStore;
  let publisher: RecordingRelayPublisher;
  const relays: EventRelay[] = [];

  const relay = (extra: Partial<EventRelayOptions> = {}) => {
    const created = new EventRelay({
      eventStore: store,
      publisher,
      checkpoints,
      contexts: ['intake'],
      clock,
      retry: { initialBackoffMs: 100, multiplier: 2, maxBackoffMs: 1_000 },
      logger: silent,
      ...extra,
    });
    relays.push(created);
    created.start();
    return created;
  };

  const checkpointOf = (context: 'intake' | 'routing' = 'intake') => checkpoints.loadCheckpoint(relayCheckpointName(context));

  const settleCheckpoint = async (position: number, context: 'intake' | 'routing' = 'intake') => {
    for (let i = 0; i < 2_000; i++) {
      if ((await checkpointOf(context)) >= position) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
    throw new Error(`Timed out waiting for the ${context} checkpoint to reach ${position}`);
  };

  beforeEach(() => {
    clock = new ManualClock('2026-06-01T00:00:00.000Z');
    store = new MemoryEventStore({ clock });
    checkpoints = new MemoryConsumerStateStore();
    publisher = new RecordingRelayPublisher();
  });

  afterEach(async () => {
    clock.advance(3_600_000);
    await Promise.all(relays.splice(0).map((r) => r.stop()));
  });

  it('publishes its contexts\' events to their topic, key = ticket id, event headers, the recorded event as value; nothing else', async () => {
    const opened = await append(store, 'ticket-t1', 't1', 'TicketOpened');
    await append(store, 'routing-t1', 't1', 'TicketQueued');
    await append(store, 'agent-7', 'a7', 'AgentJoined');
    const closed = await append(store, 'ticket-t1', 't1', 'TicketClosed');
    relay();
    await settleCheckpoint(closed.globalPosition);

    expect(publisher.log.map(({ topic, key, type, position }) => ({ topic, key, type, position }))).toEqual([
      { topic: 'ticketing.intake.events', key: 't1', type: 'TicketOpened', position: opened.globalPosition },
      { topic: 'ticketing.intake.events', key: 't1', type: 'TicketClosed', position: closed.globalPosition },
    ]);
    expect(publisher.log[0].event).toEqual(opened);
    expect(publisher.log[0].eventId).toBe(opened.id);
  });

  it('keys each message by its stream\'s entity: ticket id, agent id, singleton name', async () => {
    await append(store, 'routing-t1', 't1', 'TicketQueued');
    // An agent's event about ticket t1 stays on the agent's key.
    await append(store, 'agent-7', 't1', 'AgentJoined');
    await append(store, 'agent-8', null, 'AgentJoined');
    await append(store, 'sla-policy', null, 'SlaPolicyChanged');
    await append(store, 'sla-t1', 't1', 'SlaClockStarted');
    relay({ contexts: ['routing', 'sla'] });
    await settle(() => publisher.log.length === 5, 'five messages published');
    expect(publisher.log.map(({ topic, key, type }) => [topic, key, type])).toEqual([
      ['ticketing.routing.events', 't1', 'TicketQueued'],
      ['ticketing.routing.events', '7', 'AgentJoined'],
      ['ticketing.routing.events', '8', 'AgentJoined'],
      ['ticketing.sla.events', 'sla-policy', 'SlaPolicyChanged'],
      ['ticketing.sla.events', 't1', 'SlaClockStarted'],
    ]);
  });

  it('keeps every ticket\'s order across batches while events keep arriving, batching what is ready', async () => {
    const tickets = Array.from({ length: 12 }, (_, i) => `k${i}`);
    // A backlog first (published in batches), then appends while the relay runs.
    for (let round = 0; round < 5; round++) for (const t of tickets) await append(store, `ticket-${t}`, t);
    const live = relay({ batchSize: 7 });
    let last: RecordedEvent | undefined;
    for (let round = 0; round < 5; round++) {
      for (const t of [...tickets].reverse()) last = await append(store, `ticket-${t}`, t);
      await idle(2);
    }
    await settleCheckpoint(last!.globalPosition);

    expect(publisher.positions()).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    for (const t of tickets) {
      const revisions = publisher.log.filter((p) => p.key === t).map((p) => p.event.streamRevision);
      expect(revisions).toEqual(Array.from({ length: 10 }, (_, i) => i));
    }
    expect(Math.max(...publisher.batches)).toBe(7);
    expect(publisher.batches.length).toBeLessThan(120);
    expect(live.isHealthy()).toBe(true);
    expect(await live.status()).toMatchObject({ checkpoint: 120, head: 120, lag: 0, published: 120, state: 'running' });
  });

  it('moves the checkpoint only after the broker acknowledged; a failed publish is retried with backoff on the clock', async () => {
    publisher.failNext(2);
    const errors: unknown[] = [];
    const live = relay({ onError: (error) => errors.push(error) });
    const first = await append(store, 'ticket-a', 'a');
    await settle(() => publisher.attempts === 1 && clock.pendingSleeps === 1, 'first failure');
    expect(live.state).toBe('retrying');
    expect(live.isHealthy()).toBe(false);
    expect(await checkpointOf()).toBe(0);
    expect(await live.status()).toMatchObject({ checkpoint: 0, lag: 1, lastError: 'broker unavailable' });

    clock.advance(99);
    await idle();
    expect(publisher.attempts).toBe(1);
    clock.advance(1);
    await settle(() => publisher.attempts === 2 && clock.pendingSleeps === 1, 'second failure');
    expect(await checkpointOf()).toBe(0);
    clock.advance(200);
    await settleCheckpoint(first.globalPosition);
    expect(publisher.attempts).toBe(3);
    expect(publisher.positions()).toEqual([first.globalPosition]);
    expect(errors).toHaveLength(2);
    expect(live.state).toBe('running');
  });

  it('a publish whose acknowledgement was lost is published again: a duplicate, never a gap', async () => {
    publisher.failNext(1, new Error('request timed out'), true);
    relay();
    const events = [await append(store, 'ticket-a', 'a'), await append(store, 'ticket-a', 'a')];
    await settle(() => clock.pendingSleeps === 1, 'backoff after the lost acknowledgement');
    clock.advance(100);
    await settleCheckpoint(events[1].globalPosition);
    const positions = publisher.positions();
    expect(new Set(positions)).toEqual(new Set([1, 2]));
    expect(positions.length).toBeGreaterThan(2);
    expect(firstOccurrences(publisher.log).map((p) => p.position)).toEqual([1, 2]);
  });

  it('after a crash between the acknowledgement and the checkpoint, the next relay re-publishes from the checkpoint: duplicates, no gaps, order kept', async () => {
    for (let i = 0; i < 3; i++) await append(store, `ticket-${i % 2}`, `${i % 2}`);
    // The first relay gets 1-3 acknowledged and checkpointed, then 4-6 acknowledged, and dies
    // before its checkpoint write for them completes.
    const crash = deferred();
    let saves = 0;
    const dying: RelayCheckpointStore = {
      loadCheckpoint: (name) => checkpoints.loadCheckpoint(name),
      saveCheckpoint: async (name, position) => {
        if (++saves === 2) await crash.promise;
        return checkpoints.saveCheckpoint(name, position);
      },
    };
    relay({ checkpoints: dying });
    await settleCheckpoint(3);
    for (let i = 3; i < 6; i++) await append(store, `ticket-${i % 2}`, `${i % 2}`);
    await settle(() => publisher.positions().includes(6) && saves === 2, 'second batch acknowledged, checkpoint pending');
    expect(await checkpointOf()).toBe(3);

    // A new process: same store, same checkpoints, the old one is gone (its write never lands).
    for (let i = 6; i < 8; i++) await append(store, `ticket-${i % 2}`, `${i % 2}`);
    relay();
    await settleCheckpoint(8);
    crash.reject(new Error('process killed'));

    expect(publisher.positions()).toEqual([1, 2, 3, 4, 5, 6, 4, 5, 6, 7, 8]);
    const seen = firstOccurrences(publisher.log);
    expect(seen.map((p) => p.position)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const key of ['0', '1']) {
      const revisions = seen.filter((p) => p.key === key).map((p) => p.event.streamRevision);
      expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
    }
  });

  it('stopped while a publish is being retried, it leaves the checkpoint and the next start publishes the batch', async () => {
    publisher.failNext(1);
    const first = relay();
    const event = await append(store, 'ticket-a', 'a');
    await settle(() => clock.pendingSleeps === 1, 'waiting to retry');
    await first.stop();
    expect(first.state).toBe('stopped');
    expect(await checkpointOf()).toBe(0);
    expect(publisher.log).toEqual([]);

    relay();
    await settleCheckpoint(event.globalPosition);
    expect(publisher.positions()).toEqual([event.globalPosition]);
  });

  it('a publish in flight at stop is awaited and, once acknowledged, checkpointed', async () => {
    const ack = deferred();
    publisher.holdNext(() => ack.promise);
    const live = relay();
    const event = await append(store, 'ticket-a', 'a');
    await settle(() => publisher.log.length === 1, 'publish in flight');
    const stopping = live.stop();
    await idle();
    ack.resolve();
    await stopping;
    expect(await checkpointOf()).toBe(event.globalPosition);
  });

  it('keeps a checkpoint per context, so contexts can move between relays without re-publishing', async () => {
    const intake = [await append(store, 'ticket-a', 'a'), await append(store, 'ticket-b', 'b')];
    const routing = [await append(store, 'routing-a', 'a', 'TicketQueued')];
    // intake's own relay published up to 2 already.
    await checkpoints.saveCheckpoint(relayCheckpointName('intake'), intake[1].globalPosition);
    const later = await append(store, 'ticket-a', 'a', 'TicketClosed');
    relay({ contexts: ['intake', 'routing'] });
    await settleCheckpoint(later.globalPosition, 'routing');
    await settleCheckpoint(later.globalPosition, 'intake');
    expect(publisher.log.map((p) => [p.topic, p.position])).toEqual([
      ['ticketing.routing.events', routing[0].globalPosition],
      ['ticketing.intake.events', later.globalPosition],
    ]);
  });

  it('re-subscribes from its checkpoint when the event store fails, and reports it meanwhile', async () => {
    const event = await append(store, 'ticket-a', 'a');
    let failSubscribe = true;
    const flaky: EventStore = Object.create(store, {
      subscribe: {
        value: (options: Parameters<EventStore['subscribe']>[0]) => {
          if (failSubscribe) {
            failSubscribe = false;
            throw new Error('database is locked');
          }
          return store.subscribe(options);
        },
      },
    });
    const live = relay({ eventStore: flaky, restartDelayMs: 500 });
    await settle(() => live.state === 'recovering' && clock.pendingSleeps === 1, 'recovering');
    expect(live.isHealthy()).toBe(false);
    clock.advance(500);
    await settleCheckpoint(event.globalPosition);
    expect(live.state).toBe('running');
  });

  it('uses the topic naming it is given', async () => {
    const event = await append(store, 'ticket-a', 'a');
    relay({ topicOf: (context) => `test.${context}` });
    await settleCheckpoint(event.globalPosition);
    expect(publisher.log.map((p) => p.topic)).toEqual(['test.intake']);
  });

  it('refuses an empty context list and a bad batch size', () => {
    expect(() => new EventRelay({ eventStore: store, publisher, checkpoints, contexts: [], clock })).toThrow(/at least one context/);
    expect(() => new EventRelay({ eventStore: store, publisher, checkpoints, contexts: ['intake'], clock, batchSize: 0 })).toThrow(/batchSize/);
  });
});
