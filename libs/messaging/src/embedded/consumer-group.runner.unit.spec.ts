import { Logger } from '@nestjs/common';
import { ManualClock, newId } from '@ticketing/kernel';
import { MemoryEventStore, type RecordedEvent } from '@ticketing/event-store';
import { MemoryConsumerStateStore } from '../memory-consumer-state-store.adapter';
import { ConsumerGroupRunner, type ConsumeResult } from './consumer-group.runner';

const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
};

const label = (event: RecordedEvent) => `${event.streamName}#${event.streamRevision}`;

const appendHappened = (store: MemoryEventStore, clock: ManualClock, stream: string, ticketId: string) =>
  store.append(
    stream,
    [{ id: newId(), type: 'Happened', schemaVersion: 1, data: {}, metadata: { ticketId, correlationId: 'c', causationId: 'c', actor: { kind: 'system', id: 't' }, occurredAt: clock.now().toISOString() } }],
    { expectedRevision: 'any' },
  );

/** A runner whose handlers wait for the test: `started` lists them in start order, `finish.get(label)` ends one. */
function gatedRunner(store: MemoryEventStore, state: MemoryConsumerStateStore, clock: ManualClock, maxConcurrency: number) {
  const started: string[] = [];
  const finish = new Map<string, (result: ConsumeResult) => void>();
  const runner = new ConsumerGroupRunner({
    group: 'g',
    eventTypes: ['Happened'],
    eventStore: store,
    state,
    clock,
    logger: new Logger('test'),
    restartDelayMs: 1_000,
    maxConcurrency,
    consume: (event) =>
      new Promise<ConsumeResult>((resolve) => {
        started.push(label(event));
        finish.set(label(event), resolve);
      }),
    onError: () => undefined,
    onStateChange: () => undefined,
  });
  return { runner, started, finish };
}

describe('ConsumerGroupRunner with maxConcurrency > 1', () => {
  const clock = new ManualClock();
  let store: MemoryEventStore;
  let state: MemoryConsumerStateStore;
  let runner: ConsumerGroupRunner;
  let started: string[];
  let finish: Map<string, (result: ConsumeResult) => void>;

  beforeEach(async () => {
    store = new MemoryEventStore({ clock });
    state = new MemoryConsumerStateStore();
    // Log order: a#0 b#0 a#1 c#0 b#1 a#2 (positions 1..6).
    for (const stream of ['a', 'b', 'a', 'c', 'b', 'a']) await appendHappened(store, clock, stream, stream);
    ({ runner, started, finish } = gatedRunner(store, state, clock, 4));
  });

  afterEach(async () => {
    const stopping = runner.stop();
    for (const resolve of finish.values()) resolve('acknowledged');
    await stopping;
    await store.close();
  });

  it('overlaps streams but keeps each stream in order, and checkpoints only a fully handled prefix', async () => {
    runner.start();
    await settle();
    // Four admitted (a#0 b#0 a#1 c#0); a#1 waits behind a#0, so three handlers run.
    expect(started).toEqual(['a#0', 'b#0', 'c#0']);

    finish.get('c#0')!('acknowledged');
    await settle();
    expect(await state.loadCheckpoint('g')).toBe(0);
    // b#1 got the free slot but waits behind b#0.
    expect(started).toEqual(['a#0', 'b#0', 'c#0']);

    finish.get('a#0')!('acknowledged');
    await settle();
    expect(started).toContain('a#1');
    expect(await state.loadCheckpoint('g')).toBe(1);

    finish.get('b#0')!('acknowledged');
    await settle();
    expect(started).toContain('b#1');
    // a#1 (position 3) is still running: the checkpoint stops before it, though c#0 (4) is done.
    expect(await state.loadCheckpoint('g')).toBe(2);

    for (const next of ['a#1', 'b#1']) {
      finish.get(next)!('acknowledged');
      await settle();
    }
    finish.get('a#2')!('acknowledged');
    await settle();
    expect(await state.loadCheckpoint('g')).toBe(6);
    expect(started.filter((entry) => entry.startsWith('a#'))).toEqual(['a#0', 'a#1', 'a#2']);
    expect(started.filter((entry) => entry.startsWith('b#'))).toEqual(['b#0', 'b#1']);
  });

  it('writes acknowledgements that arrive together as one checkpoint, the newest', async () => {
    const saved: number[] = [];
    const save = state.saveCheckpoint.bind(state);
    state.saveCheckpoint = (group, position) => {
      saved.push(position);
      return save(group, position);
    };
    runner.start();
    await settle();
    // Same turn: a#0 (1), b#0 (2) and c#0 (4) acknowledged; a#1 (3) is admitted behind a#0 and still runs.
    finish.get('a#0')!('acknowledged');
    finish.get('b#0')!('acknowledged');
    finish.get('c#0')!('acknowledged');
    await settle();
    expect(saved).toEqual([2]);
    finish.get('a#1')!('acknowledged');
    await settle();
    expect(saved).toEqual([2, 4]);
    expect(await state.loadCheckpoint('g')).toBe(4);
  });

  it('stops without starting queued events, so a restart redelivers exactly what was not handled', async () => {
    runner.start();
    await settle();
    finish.get('a#0')!('acknowledged');
    finish.get('c#0')!('acknowledged');
    await settle();
    expect(await state.loadCheckpoint('g')).toBe(1);
    expect(started).toEqual(['a#0', 'b#0', 'c#0', 'a#1']);
    // Stop while b#0 and a#1 run: stop() waits for them, and b#1 (queued behind b#0) is not started.
    const stopping = runner.stop();
    finish.get('b#0')!('acknowledged');
    await settle();
    finish.get('a#1')!('acknowledged');
    await stopping;
    expect(started).not.toContain('b#1');
    expect(await state.loadCheckpoint('g')).toBe(4);
  });
});

describe('ConsumerGroupRunner ordering key', () => {
  const clock = new ManualClock();

  it("keeps a ticket's events in log order across its streams; events of no ticket keep their stream's order", async () => {
    const store = new MemoryEventStore({ clock });
    const state = new MemoryConsumerStateStore();
    const append = (stream: string, ticketId: string) => appendHappened(store, clock, stream, ticketId);
    // ticket-x and routing-x are one ticket; agent-1 and agent-2 belong to no ticket.
    await append('ticket-x', 'x');
    await append('agent-1', '');
    await append('routing-x', 'x');
    await append('agent-2', '');
    await append('agent-1', '');
    const { runner, started, finish } = gatedRunner(store, state, clock, 8);
    runner.start();
    await settle();
    // routing-x waits for ticket-x (same ticket); agent-1#1 waits for agent-1#0; agent-2 runs alongside.
    expect(started).toEqual(['ticket-x#0', 'agent-1#0', 'agent-2#0']);
    finish.get('ticket-x#0')!('acknowledged');
    finish.get('agent-1#0')!('acknowledged');
    await settle();
    expect(started).toEqual(['ticket-x#0', 'agent-1#0', 'agent-2#0', 'routing-x#0', 'agent-1#1']);
    const stopping = runner.stop();
    for (const resolve of finish.values()) resolve('acknowledged');
    await stopping;
    await store.close();
  });
});
