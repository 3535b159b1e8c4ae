import { Logger } from '@nestjs/common';
import { ManualClock, newId } from '@ticketing/kernel';
import { MemoryEventStore, type RecordedEvent } from '@ticketing/event-store';
import { MemoryConsumerStateStore } from '../memory-consumer-state-store.adapter';
import { ConsumerGroupRunner, type ConsumeResult } from './consumer-group.runner';

const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
};

const label = (event: RecordedEvent) => `${event.streamName}#${event.streamRevision}`;

/** `ticketId` undefined: an event of no ticket. */
const appendHappened = (store: MemoryEventStore, clock: ManualClock, stream: string, ticketId?: string) =>
  store.append(
    stream,
    [{ id: newId(), type: 'Happened', schemaVersion: 1, data: {}, metadata: { ...(ticketId !== undefined && { ticketId }), correlationId: 'c', causationId: 'c', actor: { kind: 'system', id: 't' }, occurredAt: clock.now().toISOString() } }],
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
  let store: MemoryEventStore;
  let gated: ReturnType<typeof gatedRunner>;

  /** Starts a runner over what was appended, lets it take everything it may, returns what started. */
  async function startAll(): Promise<string[]> {
    gated = gatedRunner(store, new MemoryConsumerStateStore(), clock, 8);
    gated.runner.start();
    await settle();
    return gated.started;
  }

  async function finish(...labels: string[]): Promise<void> {
    for (const label of labels) gated.finish.get(label)!('acknowledged');
    await settle();
  }

  beforeEach(() => {
    store = new MemoryEventStore({ clock });
  });

  afterEach(async () => {
    const stopping = gated.runner.stop();
    for (const resolve of gated.finish.values()) resolve('acknowledged');
    await stopping;
    await store.close();
  });

  it("keeps a ticket's events in log order across its streams, whatever context wrote them", async () => {
    await appendHappened(store, clock, 'ticket-x', 'x');
    await appendHappened(store, clock, 'routing-x', 'x');
    await appendHappened(store, clock, 'sla-x', 'x');
    await appendHappened(store, clock, 'ticket-y', 'y');
    // routing-x and sla-x wait for ticket-x (same ticket); ticket-y runs alongside.
    expect(await startAll()).toEqual(['ticket-x#0', 'ticket-y#0']);
    await finish('ticket-x#0');
    expect(gated.started).toEqual(['ticket-x#0', 'ticket-y#0', 'routing-x#0']);
    await finish('routing-x#0');
    expect(gated.started).toEqual(['ticket-x#0', 'ticket-y#0', 'routing-x#0', 'sla-x#0']);
  });

  it("keeps each agent's events in order, overlaps different agents, and does not tie an agent to a ticket", async () => {
    await appendHappened(store, clock, 'agent-1');
    await appendHappened(store, clock, 'agent-2');
    await appendHappened(store, clock, 'agent-1');
    // An agent's event about ticket 1 is still the agent's: it neither waits for ticket-1 nor holds it up.
    await appendHappened(store, clock, 'ticket-1', '1');
    await appendHappened(store, clock, 'agent-2', '1');
    expect(await startAll()).toEqual(['agent-1#0', 'agent-2#0', 'ticket-1#0']);
    await finish('agent-2#0');
    expect(gated.started).toEqual(['agent-1#0', 'agent-2#0', 'ticket-1#0', 'agent-2#1']);
    await finish('agent-1#0');
    expect(gated.started).toEqual(['agent-1#0', 'agent-2#0', 'ticket-1#0', 'agent-2#1', 'agent-1#1']);
  });

  it('keeps a singleton stream in order on its own, apart from the ticket its name would suggest', async () => {
    await appendHappened(store, clock, 'sla-policy');
    await appendHappened(store, clock, 'ticket-policy', 'policy');
    await appendHappened(store, clock, 'sla-policy');
    expect(await startAll()).toEqual(['sla-policy#0', 'ticket-policy#0']);
    await finish('ticket-policy#0');
    expect(gated.started).toEqual(['sla-policy#0', 'ticket-policy#0']);
    await finish('sla-policy#0');
    expect(gated.started).toEqual(['sla-policy#0', 'ticket-policy#0', 'sla-policy#1']);
  });
});
