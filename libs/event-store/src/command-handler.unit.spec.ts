import { ConcurrencyError, systemActor, type Command, type Decider, type Event, type EventMetadata } from '@ticketing/kernel';
import { handleCommand } from './command-handler';
import type { EventStore } from './event-store.port';
import { MemoryEventStore } from './memory/memory-event-store.adapter';

type Added = Event<'Added', { amount: number }>;
type Add = Command<'Add', { amount: number; limit: number }>;

/** A counter that refuses to pass its limit and decides nothing for a zero amount. */
const counter: Decider<number, Add, Added> = {
  initialState: () => 0,
  evolve: (total, event) => total + event.data.amount,
  decide: (command, total) => {
    if (command.data.amount === 0) return [];
    if (total + command.data.amount > command.data.limit) throw new RangeError(`over the limit at ${total}`);
    return [{ type: 'Added', schemaVersion: 1, data: { amount: command.data.amount } }];
  },
};

const metadata: EventMetadata = {
  ticketId: 't-1',
  correlationId: 'c-1',
  causationId: 'c-1',
  actor: systemActor('test'),
  occurredAt: '2026-03-01T00:00:00.000Z',
};

const add = (amount: number, limit = 100): Add => ({ type: 'Add', data: { amount, limit } });

/** Counts reads, and can let another writer in right before the handler's next append. */
function instrumented(store: MemoryEventStore) {
  const reads: string[] = [];
  let beforeNextAppend: (() => Promise<void>) | undefined;
  const wrapped: EventStore = Object.create(store, {
    readStream: { value: (name: string, options?: object) => (reads.push(name), store.readStream(name, options)) },
    append: {
      value: async (...args: Parameters<EventStore['append']>) => {
        const sneak = beforeNextAppend;
        beforeNextAppend = undefined;
        await sneak?.();
        return store.append(...args);
      },
    },
  });
  return { store: wrapped, reads, sneakIn: (write: () => Promise<void>) => (beforeNextAppend = write) };
}

const totals = async (store: EventStore, stream: string): Promise<number[]> => {
  const amounts: number[] = [];
  for await (const event of store.readStream(stream)) amounts.push((event.data as { amount: number }).amount);
  return amounts;
};

describe('handleCommand', () => {
  let memory: MemoryEventStore;
  beforeEach(() => {
    memory = new MemoryEventStore();
  });
  afterEach(() => memory.close());

  it('folds the stream, decides, and appends with the revision it read', async () => {
    await handleCommand(memory, 'counter-1', counter, add(30), { metadata });
    const result = await handleCommand(memory, 'counter-1', counter, add(50), { metadata });
    expect(result).toMatchObject({ newState: 80, nextExpectedRevision: 1, lastGlobalPosition: 2 });
    await expect(handleCommand(memory, 'counter-1', counter, add(30), { metadata })).rejects.toThrow('over the limit at 80');
    expect(await totals(memory, 'counter-1')).toEqual([30, 50]);
  });

  it('appends nothing when the decider decides nothing', async () => {
    const result = await handleCommand(memory, 'counter-1', counter, add(0), { metadata });
    expect(result).toEqual({ newEvents: [], newState: 0, nextExpectedRevision: -1 });
    expect(await memory.headPosition()).toBe(0);
  });

  it('re-reads and re-decides when another writer moved the stream on, and gives up after maxRetries', async () => {
    const { store, sneakIn } = instrumented(memory);
    await handleCommand(memory, 'counter-1', counter, add(10), { metadata });
    sneakIn(() => handleCommand(memory, 'counter-1', counter, add(60), { metadata }).then(() => undefined));
    // Decided on 10 (fits), conflicted, re-read 70: 40 more would pass the limit.
    await expect(handleCommand(store, 'counter-1', counter, add(40), { metadata })).rejects.toThrow('over the limit at 70');

    const stubborn: EventStore = Object.create(memory, {
      append: { value: async () => Promise.reject(new ConcurrencyError('counter-1', '0', '1')) },
    });
    await expect(handleCommand(stubborn, 'counter-1', counter, add(1), { metadata, maxRetries: 2 })).rejects.toBeInstanceOf(ConcurrencyError);
  });

  describe('expectNewStream', () => {
    it('decides on the initial state without reading a stream it expects not to exist', async () => {
      const { store, reads } = instrumented(memory);
      const result = await handleCommand(store, 'counter-new', counter, add(5), { metadata, expectNewStream: true });
      expect(result).toMatchObject({ newState: 5, nextExpectedRevision: 0 });
      expect(reads).toEqual([]);
    });

    it('reads and decides again when the stream exists after all', async () => {
      await handleCommand(memory, 'counter-1', counter, add(90), { metadata });
      const { store, reads } = instrumented(memory);
      await expect(handleCommand(store, 'counter-1', counter, add(20), { metadata, expectNewStream: true })).rejects.toThrow(
        'over the limit at 90',
      );
      await handleCommand(store, 'counter-1', counter, add(10), { metadata, expectNewStream: true });
      expect(reads).toEqual(['counter-1', 'counter-1']);
      expect(await totals(memory, 'counter-1')).toEqual([90, 10]);
    });
  });
});
