import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { ConcurrencyError, ConflictError, ManualClock, ValidationError, type EventMetadata } from '@ticketing/kernel';
import type {
  AppendResult,
  EventStore,
  EventSubscription,
  ExpectedRevision,
  NewEvent,
  RecordedEvent,
} from '../event-store.port';
import { GENESIS_HASH, hashOf, verifyChain } from '../hash-chain';
import type { CommonEventStoreOptions } from '../store-options';

/** Opens a fresh, empty store for one test; `dispose` removes whatever it created. */
export type EventStoreContractFactory = (
  options: CommonEventStoreOptions,
) => Promise<Readonly<{ store: EventStore; dispose?: () => Promise<void> }>>;

/**
 * Where adapters may legitimately differ; everything else in the port holds for all of them.
 * Both default to true, the stricter side, so a new adapter opts out explicitly.
 */
export type EventStoreContractCapabilities = Readonly<{
  /**
   * Global positions are exactly 1, 2, 3… (SQLite, memory). False: monotonic and never skipped by a
   * reader, but sparse (EventStoreDB's byte offsets), so only positions the store reported may be
   * passed back, and the suite checks order and completeness instead of the numbers themselves.
   */
  densePositions?: boolean;
  /**
   * An event id is unique across the whole store: appending a recorded id to another stream is a
   * ConflictError. False: ids are unique per stream (EventStoreDB keeps no index of ids across
   * streams), so the same id in another stream is another event.
   */
  storeWideEventIds?: boolean;
}>;

const metadata = (ticketId = 't-1'): EventMetadata => ({
  ticketId,
  correlationId: 'c-1',
  causationId: 'c-1',
  actor: { kind: 'agent', id: 'a-1' },
  occurredAt: '2026-01-01T00:00:00.000Z',
});

let idCounter = 0;
const uniqueId = (label = 'e'): string => `${label}-${++idCounter}-${Math.random().toString(36).slice(2, 8)}`;

const newEvent = (overrides: Partial<NewEvent> = {}): NewEvent => ({
  id: uniqueId(),
  type: 'TicketNoted',
  schemaVersion: 1,
  data: { note: 'hello' },
  metadata: metadata(),
  ...overrides,
});

const events = (count: number, overrides: Partial<NewEvent> = {}): NewEvent[] =>
  Array.from({ length: count }, () => newEvent(overrides));

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** Pulls exactly `count` events from a subscription (which never ends by itself). */
async function take(iterator: AsyncIterator<RecordedEvent>, count: number): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  while (out.length < count) {
    const next = await iterator.next();
    if (next.done) throw new Error(`subscription ended after ${out.length} of ${count} events`);
    out.push(next.value);
  }
  return out;
}

const positions = (recorded: readonly RecordedEvent[]) => recorded.map((event) => event.globalPosition);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Positions in the order read must only go up: the global log's order. */
function expectIncreasing(values: readonly number[]): void {
  values.forEach((value, i) => {
    expect(Number.isSafeInteger(value) && value > 0).toBe(true);
    if (i > 0) expect(value).toBeGreaterThan(values[i - 1]);
  });
}

async function expectRejection<E extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => E): Promise<E> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(type);
  return error as E;
}

/**
 * The behaviour every EventStore adapter must have (docs/architecture.md §4). Call it from an adapter's spec
 * with a factory that opens a fresh, empty store.
 */
export function eventStoreContract(
  name: string,
  factory: EventStoreContractFactory,
  capabilities: EventStoreContractCapabilities = {},
): void {
  const dense = capabilities.densePositions ?? true;
  const storeWideIds = capabilities.storeWideEventIds ?? true;
  describe(`EventStore contract: ${name}`, () => {
    const PAGE_SIZE = 4;
    let store: EventStore;
    let dispose: (() => Promise<void>) | undefined;
    let clock: ManualClock;
    let appended: Array<[string, number]>;

    beforeEach(async () => {
      clock = new ManualClock('2026-03-01T10:00:00.000Z');
      appended = [];
      // A tiny page size makes every multi-event read cross page boundaries.
      const opened = await factory({
        clock,
        pageSize: PAGE_SIZE,
        onAppended: (streamName, count) => appended.push([streamName, count]),
      });
      store = opened.store;
      dispose = opened.dispose;
    });

    afterEach(async () => {
      await store.close();
      await dispose?.();
    });

    const readStream = (streamName: string, options?: { from?: number; max?: number }) =>
      collect(store.readStream(streamName, options));

    /** The whole global log's positions, checked to be in order (and 1..N where positions are dense). */
    const logPositions = async (): Promise<number[]> => {
      const all = positions(await collect(store.readAll()));
      expectIncreasing(all);
      if (dense) expect(all).toEqual(range(1, all.length));
      return all;
    };

    /** The log holds `count` events and the head is the last one's position (0 when empty). */
    const expectLogSize = async (count: number): Promise<void> => {
      const all = await logPositions();
      expect(all).toHaveLength(count);
      expect(await store.headPosition()).toBe(all.at(-1) ?? 0);
    };

    describe('append and read back', () => {
      it('stores what was appended, with revision, position, recordedAt and hash chain fields', async () => {
        const event = newEvent({ data: { text: 'Überweisung 提现 🚀', amount: '0.00012345', nested: { list: [1, 'x', null] } } });
        const result = await store.append('ticket-1', [event], { expectedRevision: 'no_stream' });

        const [recorded] = await readStream('ticket-1');
        expect(result).toEqual({ nextExpectedRevision: 0, lastGlobalPosition: recorded.globalPosition });
        expect(recorded).toEqual({
          ...event,
          streamName: 'ticket-1',
          streamRevision: 0,
          globalPosition: dense ? 1 : expect.any(Number),
          recordedAt: '2026-03-01T10:00:00.000Z',
          prevHash: GENESIS_HASH,
          hash: expect.stringMatching(/^[0-9a-f]{64}$/),
        });
        expect(await collect(store.readAll())).toEqual([recorded]);
        await expectLogSize(1);
      });

      it('stores events of no ticket (no ticketId in their metadata) as they came, chained like any other', async () => {
        const { ticketId: _none, ...noTicket } = metadata();
        const agent = [newEvent({ type: 'AgentJoined', metadata: noTicket }), newEvent({ type: 'AgentAway', metadata: noTicket })];
        const policy = newEvent({ type: 'SlaPolicyChanged', metadata: noTicket });
        // An agent's event about a ticket keeps the ticket it names.
        const aboutTicket = newEvent({ type: 'AgentAssigned', metadata: metadata('t-9') });
        await store.append('agent-7', agent, { expectedRevision: 'no_stream' });
        await store.append('sla-policy', [policy], { expectedRevision: 'no_stream' });
        await store.append('agent-7', [aboutTicket], { expectedRevision: 1 });

        const stream = await readStream('agent-7');
        expect(stream.map(({ type, metadata: recorded }) => ({ type, metadata: recorded }))).toEqual([
          { type: 'AgentJoined', metadata: noTicket },
          { type: 'AgentAway', metadata: noTicket },
          { type: 'AgentAssigned', metadata: metadata('t-9') },
        ]);
        expect(stream[0].metadata).not.toHaveProperty('ticketId');
        expect(verifyChain(stream)).toMatchObject({ valid: true, eventsChecked: 3 });
        const [singleton] = await readStream('sla-policy');
        expect(singleton).toMatchObject({ ...policy, streamName: 'sla-policy', streamRevision: 0, prevHash: GENESIS_HASH, hash: hashOf(singleton) });
        expect(singleton.metadata).not.toHaveProperty('ticketId');
        expect((await collect(store.readAll())).map((event) => event.id)).toEqual([agent[0].id, agent[1].id, policy.id, aboutTicket.id]);
      });

      it('is not affected by the caller mutating its objects after the append', async () => {
        const data = { status: 'open', tags: ['a'] };
        await store.append('ticket-1', [newEvent({ data })], { expectedRevision: 'no_stream' });
        data.status = 'tampered';
        data.tags.push('b');

        const [recorded] = await readStream('ticket-1');
        expect(recorded.data).toEqual({ status: 'open', tags: ['a'] });
      });

      it('reads nothing from a stream that does not exist, and the head of an empty store is 0', async () => {
        expect(await readStream('ticket-missing')).toEqual([]);
        expect(await collect(store.readAll())).toEqual([]);
        expect(await store.headPosition()).toBe(0);
        await expect(store.ping()).resolves.toBeUndefined();
      });

      it('reports every committed append to the onAppended hook, and nothing else', async () => {
        const batch = events(3);
        await store.append('ticket-1', batch, { expectedRevision: 'no_stream' });
        await store.append('ticket-2', events(1), { expectedRevision: 'any' });
        await store.append('ticket-1', batch, { expectedRevision: 'no_stream' }); // idempotent repeat
        await expect(store.append('ticket-1', events(1), { expectedRevision: 'no_stream' })).rejects.toThrow(
          ConcurrencyError,
        );

        expect(appended).toEqual([
          ['ticket-1', 3],
          ['ticket-2', 1],
        ]);
      });
    });

    describe('validation', () => {
      it.each<[string, () => Promise<AppendResult>]>([
        ['an empty list of events', () => store.append('ticket-1', [], { expectedRevision: 'any' })],
        ['a negative expected revision', () => store.append('ticket-1', events(1), { expectedRevision: -1 })],
        ['a fractional expected revision', () => store.append('ticket-1', events(1), { expectedRevision: 1.5 })],
        [
          'an unknown expectation',
          () => store.append('ticket-1', events(1), { expectedRevision: 'latest' as unknown as ExpectedRevision }),
        ],
        ['an empty stream name', () => store.append('', events(1), { expectedRevision: 'any' })],
        [
          'the same id twice in one append',
          () => store.append('ticket-1', [newEvent({ id: 'dup' }), newEvent({ id: 'dup' })], { expectedRevision: 'any' }),
        ],
        ['an event without a type', () => store.append('ticket-1', [newEvent({ type: '' })], { expectedRevision: 'any' })],
        [
          'a schema version of 0',
          () => store.append('ticket-1', [newEvent({ schemaVersion: 0 })], { expectedRevision: 'any' }),
        ],
      ])('rejects %s with a ValidationError and writes nothing', async (_, append) => {
        await expectRejection(append(), ValidationError);
        expect(await store.headPosition()).toBe(0);
      });
    });

    describe('expected revision', () => {
      const seed = async (count: number) => store.append('ticket-1', events(count), { expectedRevision: 'no_stream' });

      it.each<[string, number, ExpectedRevision, number]>([
        // [case, events already in the stream, expectation, resulting last revision]
        ['no_stream on a new stream', 0, 'no_stream', 0],
        ['any on a new stream', 0, 'any', 0],
        ['any on an existing stream', 2, 'any', 2],
        ['stream_exists on an existing stream', 2, 'stream_exists', 2],
        ['the exact last revision', 3, 2, 3],
        ['revision 0 after the first event', 1, 0, 1],
      ])('accepts %s', async (_, existing, expectedRevision, resultingRevision) => {
        if (existing > 0) await seed(existing);
        const result = await store.append('ticket-1', events(1), { expectedRevision });
        expect(result.nextExpectedRevision).toBe(resultingRevision);
        expect((await readStream('ticket-1')).map((event) => event.streamRevision)).toEqual(range(0, resultingRevision));
      });

      it.each<[string, number, ExpectedRevision, string]>([
        // [case, events already in the stream, expectation, reported actual revision]
        ['no_stream on an existing stream', 1, 'no_stream', '0'],
        ['stream_exists on a new stream', 0, 'stream_exists', 'no_stream'],
        ['a stale revision', 3, 1, '2'],
        ['a revision ahead of the stream', 2, 5, '1'],
        ['revision 0 on a new stream', 0, 0, 'no_stream'],
      ])('rejects %s with a ConcurrencyError and writes nothing', async (_, existing, expectedRevision, actual) => {
        if (existing > 0) await seed(existing);
        const head = await store.headPosition();

        const error = await expectRejection(store.append('ticket-1', events(2), { expectedRevision }), ConcurrencyError);

        expect(error.code).toBe('concurrency');
        expect(error.streamName).toBe('ticket-1');
        expect(error.expected).toBe(String(expectedRevision));
        expect(error.actual).toBe(actual);
        expect(await readStream('ticket-1')).toHaveLength(existing);
        expect(await store.headPosition()).toBe(head);
      });

      it('keeps streams independent: a revision in one stream says nothing about another', async () => {
        await store.append('ticket-1', events(3), { expectedRevision: 'no_stream' });
        await store.append('ticket-2', events(1), { expectedRevision: 'no_stream' });
        await expect(store.append('ticket-2', events(1), { expectedRevision: 2 })).rejects.toThrow(ConcurrencyError);
        const result = await store.append('ticket-2', events(1), { expectedRevision: 0 });
        const all = await logPositions();
        expect(result).toEqual({ nextExpectedRevision: 1, lastGlobalPosition: all.at(-1) });
        expect(all).toHaveLength(5);
      });
    });

    describe('concurrent appenders', () => {
      const APPENDERS = 50;

      it('lets exactly one of 50 appenders holding the same revision win; every loser gets a ConcurrencyError', async () => {
        await store.append('ticket-1', events(1), { expectedRevision: 'no_stream' });
        // Each appender reads the stream first; only then do all of them append with what they read.
        const readRevisions = await Promise.all(
          Array.from({ length: APPENDERS }, async () => (await readStream('ticket-1')).at(-1)!.streamRevision),
        );
        const attempts = readRevisions.map((revision, i) =>
          store.append('ticket-1', [newEvent({ id: `appender-${i}` })], { expectedRevision: revision }),
        );
        const outcomes = await Promise.allSettled(attempts);

        const winners = outcomes.filter((outcome) => outcome.status === 'fulfilled');
        const losers = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
        expect(winners).toHaveLength(1);
        expect(losers).toHaveLength(APPENDERS - 1);
        for (const loser of losers) expect(loser.reason).toBeInstanceOf(ConcurrencyError);
        const stream = await readStream('ticket-1');
        expect(stream.map((event) => event.streamRevision)).toEqual([0, 1]);
        expect(stream[1].id).toBe(`appender-${outcomes.findIndex((outcome) => outcome.status === 'fulfilled')}`);
      });

      it('lands all 50 appenders when losers re-read and retry: one winner per revision, nothing lost, no gaps', async () => {
        const winsPerRevision = new Map<number, number>();
        let conflicts = 0;
        const appender = async (i: number) => {
          for (;;) {
            const stream = await readStream('ticket-1');
            const expectedRevision: ExpectedRevision = stream.length === 0 ? 'no_stream' : stream.length - 1;
            try {
              const result = await store.append('ticket-1', [newEvent({ id: `appender-${i}`, data: { i } })], {
                expectedRevision,
              });
              winsPerRevision.set(result.nextExpectedRevision, (winsPerRevision.get(result.nextExpectedRevision) ?? 0) + 1);
              return;
            } catch (error) {
              if (!(error instanceof ConcurrencyError)) throw error;
              conflicts++;
            }
          }
        };
        await Promise.all(Array.from({ length: APPENDERS }, (_, i) => appender(i)));

        const stream = await readStream('ticket-1');
        expect(stream.map((event) => event.streamRevision)).toEqual(range(0, APPENDERS - 1));
        expect(new Set(stream.map((event) => event.id))).toEqual(new Set(range(0, APPENDERS - 1).map((i) => `appender-${i}`)));
        expect([...winsPerRevision.keys()].sort((a, b) => a - b)).toEqual(range(0, APPENDERS - 1));
        expect([...winsPerRevision.values()].every((wins) => wins === 1)).toBe(true);
        expect(conflicts).toBeGreaterThan(0); // they really did race
        expect(await logPositions()).toHaveLength(APPENDERS);
        expect(verifyChain(stream)).toMatchObject({ valid: true, eventsChecked: APPENDERS });
      });
    });

    describe('idempotent re-append', () => {
      it('returns the first result and writes nothing when the same ids are appended with the same expectation', async () => {
        const first = events(2);
        const firstResult = await store.append('ticket-1', first, { expectedRevision: 'no_stream' });
        const second = events(1);
        const secondResult = await store.append('ticket-1', second, { expectedRevision: 1 });

        // Retries of both, including after the stream moved on past them.
        await store.append('ticket-1', events(1), { expectedRevision: 2 });
        expect(await store.append('ticket-1', first, { expectedRevision: 'no_stream' })).toEqual(firstResult);
        expect(await store.append('ticket-1', second, { expectedRevision: 1 })).toEqual(secondResult);
        expect(await store.append('ticket-1', second, { expectedRevision: 'any' })).toEqual(secondResult);
        expect(await store.append('ticket-1', second, { expectedRevision: 'stream_exists' })).toEqual(secondResult);

        expect(await readStream('ticket-1')).toHaveLength(4);
        await expectLogSize(4);
      });

      it('is idempotent with exact ids even when the payload sent again differs (ids decide)', async () => {
        const event = newEvent();
        const result = await store.append('ticket-1', [event], { expectedRevision: 'no_stream' });
        expect(await store.append('ticket-1', [{ ...event, data: { other: true } }], { expectedRevision: 'no_stream' })).toEqual(
          result,
        );
        expect((await readStream('ticket-1'))[0].data).toEqual(event.data);
      });

      it('rejects recorded ids at positions the expectation does not imply with a ConcurrencyError', async () => {
        const batch = events(2);
        await store.append('ticket-1', batch, { expectedRevision: 'no_stream' });
        await expectRejection(store.append('ticket-1', batch, { expectedRevision: 0 }), ConcurrencyError);
        await expectRejection(store.append('ticket-1', batch, { expectedRevision: 1 }), ConcurrencyError);
        await expectRejection(store.append('ticket-1', batch, { expectedRevision: 'stream_exists' }), ConcurrencyError);
        await expectRejection(store.append('ticket-1', [batch[1], batch[0]], { expectedRevision: 'any' }), ConcurrencyError);
        await expectLogSize(2);
      });

      it('rejects a partial overlap (some ids recorded, some new) with a ConcurrencyError and writes none of it', async () => {
        const batch = events(2);
        await store.append('ticket-1', batch, { expectedRevision: 'no_stream' });
        await expectRejection(store.append('ticket-1', [batch[1], newEvent()], { expectedRevision: 1 }), ConcurrencyError);
        await expectRejection(store.append('ticket-1', [...batch, newEvent()], { expectedRevision: 'no_stream' }), ConcurrencyError);
        await expectRejection(store.append('ticket-1', [newEvent(), batch[0]], { expectedRevision: 'any' }), ConcurrencyError);
        expect(await readStream('ticket-1')).toHaveLength(2);
        await expectLogSize(2);
      });

      if (storeWideIds) {
        it('rejects an id already recorded in another stream with a ConflictError', async () => {
          const event = newEvent();
          await store.append('ticket-1', [event], { expectedRevision: 'no_stream' });
          await expectRejection(store.append('ticket-2', [event], { expectedRevision: 'no_stream' }), ConflictError);
          expect(await readStream('ticket-2')).toEqual([]);
        });
      } else {
        it('scopes ids to their stream: the same id in another stream is another event, not a repeat', async () => {
          const event = newEvent();
          const first = await store.append('ticket-1', [event], { expectedRevision: 'no_stream' });
          const second = await store.append('ticket-2', [event], { expectedRevision: 'no_stream' });
          expect(second.lastGlobalPosition).toBeGreaterThan(first.lastGlobalPosition);
          expect((await readStream('ticket-2')).map((recorded) => recorded.id)).toEqual([event.id]);
          await expectLogSize(2);
        });
      }
    });

    describe('global log', () => {
      it(`assigns ${dense ? 'positions 1..N without gaps' : 'increasing positions'}, in append order, across streams and concurrent appends`, async () => {
        const batches = range(1, 30).map((i) => ({ streamName: `ticket-${i % 7}`, events: events((i % 3) + 1) }));
        const results = await Promise.all(
          batches.map((batch) => store.append(batch.streamName, batch.events, { expectedRevision: 'any' })),
        );
        const all = await collect(store.readAll());
        const total = range(1, 30).reduce((sum, i) => sum + (i % 3) + 1, 0);

        expect(await logPositions()).toHaveLength(total);
        await expectLogSize(total);
        // Every appended event is read back exactly once: nothing skipped, nothing doubled.
        expect(all.map((event) => event.id).sort()).toEqual(batches.flatMap((batch) => batch.events.map((event) => event.id)).sort());
        const lastPositions = results.map((result) => result.lastGlobalPosition).sort((a, b) => a - b);
        expect(new Set(lastPositions).size).toBe(results.length);
        results.forEach((result, i) => {
          const last = all.find((event) => event.globalPosition === result.lastGlobalPosition);
          expect(last).toMatchObject({
            id: batches[i].events.at(-1)!.id,
            streamName: batches[i].streamName,
            streamRevision: result.nextExpectedRevision,
          });
        });
        // Within every stream, revisions follow global order.
        const byStream = new Map<string, number[]>();
        for (const event of all) byStream.set(event.streamName, [...(byStream.get(event.streamName) ?? []), event.streamRevision]);
        for (const revisions of byStream.values()) expect(revisions).toEqual(range(0, revisions.length - 1));
      });

      it('reads from a position (exclusive) and at most max events, across pages', async () => {
        await store.append('ticket-1', events(7), { expectedRevision: 'no_stream' });
        await store.append('ticket-2', events(6), { expectedRevision: 'no_stream' });
        const log = await logPositions();
        const nth = (n: number) => log[n - 1];

        expect(positions(await collect(store.readAll({ fromPosition: nth(5) })))).toEqual(log.slice(5));
        expect(positions(await collect(store.readAll({ fromPosition: nth(2), max: 9 })))).toEqual(log.slice(2, 11));
        expect(positions(await collect(store.readAll({ max: PAGE_SIZE })))).toEqual(log.slice(0, PAGE_SIZE));
        expect(await collect(store.readAll({ fromPosition: nth(13) }))).toEqual([]);
        expect(await collect(store.readAll({ fromPosition: await store.headPosition() }))).toEqual([]);
        if (dense) expect(await collect(store.readAll({ fromPosition: 100 }))).toEqual([]);
        expect(await collect(store.readAll({ max: 0 }))).toEqual([]);
      });

      it('rejects a negative or fractional position or max', async () => {
        await expect(collect(store.readAll({ fromPosition: -1 }))).rejects.toThrow(ValidationError);
        await expect(collect(store.readAll({ max: 1.5 }))).rejects.toThrow(ValidationError);
        await expect(collect(store.readStream('ticket-1', { from: -1 }))).rejects.toThrow(ValidationError);
      });
    });

    describe('readStream paging', () => {
      it.each<[string, { from?: number; max?: number }, number[]]>([
        ['everything', {}, range(0, 10)],
        ['from a revision', { from: 3 }, range(3, 10)],
        ['at most max', { max: 5 }, range(0, 4)],
        ['a page-sized window', { from: 4, max: PAGE_SIZE }, range(4, 7)],
        ['from and max across pages', { from: 2, max: 7 }, range(2, 8)],
        ['past the end', { from: 11 }, []],
        ['max 0', { max: 0 }, []],
      ])('reads %s', async (_, options, revisions) => {
        await store.append('ticket-1', events(5), { expectedRevision: 'no_stream' });
        await store.append('ticket-2', events(3), { expectedRevision: 'no_stream' });
        await store.append('ticket-1', events(6), { expectedRevision: 4 });

        const read = await readStream('ticket-1', options);
        expect(read.map((event) => event.streamRevision)).toEqual(revisions);
        expect(read.every((event) => event.streamName === 'ticket-1')).toBe(true);
      });
    });

    describe('filters', () => {
      beforeEach(async () => {
        // Interleaved so matching events are spread over many pages.
        for (let i = 0; i < 12; i++) {
          await store.append(`ticket-${i % 3}`, [newEvent({ type: i % 2 ? 'TicketNoted' : 'TicketOpened' })], {
            expectedRevision: 'any',
          });
          await store.append(`routing-${i % 2}`, [newEvent({ type: 'TicketRouted' })], { expectedRevision: 'any' });
        }
      });

      it('selects by stream prefix', async () => {
        const read = await collect(store.readAll({ filter: { streamPrefixes: ['routing-'] } }));
        expect(read).toHaveLength(12);
        expect(read.every((event) => event.streamName.startsWith('routing-'))).toBe(true);
        const log = await logPositions();
        expect(positions(read)).toEqual(range(1, 12).map((i) => log[i * 2 - 1]));
      });

      it('selects by several prefixes and event types together', async () => {
        const read = await collect(
          store.readAll({ filter: { streamPrefixes: ['ticket-1', 'ticket-2'], eventTypes: ['TicketOpened', 'TicketRouted'] } }),
        );
        const expected = (await collect(store.readAll())).filter(
          (event) =>
            (event.streamName.startsWith('ticket-1') || event.streamName.startsWith('ticket-2')) &&
            ['TicketOpened', 'TicketRouted'].includes(event.type),
        );
        expect(read).toEqual(expected);
        expect(read.length).toBeGreaterThan(0);
      });

      it('selects by event type, from a position, with max', async () => {
        const fourth = (await logPositions())[3];
        const read = await collect(store.readAll({ fromPosition: fourth, max: 3, filter: { eventTypes: ['TicketOpened'] } }));
        expect(read.map((event) => event.type)).toEqual(['TicketOpened', 'TicketOpened', 'TicketOpened']);
        expect(read).toEqual(
          (await collect(store.readAll())).filter((event) => event.globalPosition > fourth && event.type === 'TicketOpened').slice(0, 3),
        );
      });

      it('matches prefixes case-sensitively and treats empty lists as no filter', async () => {
        expect(await collect(store.readAll({ filter: { streamPrefixes: ['TICKET-'] } }))).toEqual([]);
        expect(await collect(store.readAll({ filter: { eventTypes: ['Nope'] } }))).toEqual([]);
        expect(await collect(store.readAll({ filter: { streamPrefixes: [], eventTypes: [] } }))).toHaveLength(24);
      });
    });

    describe('hash chain', () => {
      it('chains every event to the previous one in its stream, across appends', async () => {
        await store.append('ticket-1', events(3), { expectedRevision: 'no_stream' });
        await store.append('ticket-2', events(2), { expectedRevision: 'no_stream' });
        await store.append('ticket-1', events(1), { expectedRevision: 2 });
        await store.append('ticket-1', events(2), { expectedRevision: 'any' });

        const stream = await readStream('ticket-1');
        expect(stream[0].prevHash).toBe(GENESIS_HASH);
        stream.forEach((event, i) => {
          expect(event.hash).toBe(hashOf(event));
          if (i > 0) expect(event.prevHash).toBe(stream[i - 1].hash);
        });
        expect(new Set(stream.map((event) => event.hash)).size).toBe(stream.length);
        expect(verifyChain(stream)).toEqual({ valid: true, eventsChecked: 6, lastHash: stream[5].hash });
        expect((await readStream('ticket-2'))[0].prevHash).toBe(GENESIS_HASH);
      });

      it('lets verifyChain find the first altered, reordered or missing event', async () => {
        await store.append('ticket-1', events(5), { expectedRevision: 'no_stream' });
        const stream = await readStream('ticket-1');
        const altered = stream.map((event, i) => (i === 2 ? { ...event, data: { note: 'rewritten' } } : event));
        const rehashed = altered.map((event, i) => (i === 2 ? { ...event, hash: hashOf(event) } : event));
        const withoutThird = stream.filter((_, i) => i !== 2);
        const retyped = stream.map((event, i) => (i === 4 ? { ...event, type: 'TicketDeleted' } : event));

        expect(verifyChain(altered)).toMatchObject({ valid: false, brokenAtRevision: 2, reason: 'hash_mismatch' });
        // Re-hashing the altered event does not help: the next event still points at the old hash.
        expect(verifyChain(rehashed)).toMatchObject({ valid: false, brokenAtRevision: 3, reason: 'prev_hash_mismatch' });
        expect(verifyChain(withoutThird)).toMatchObject({ valid: false, brokenAtRevision: 2, reason: 'revision_gap' });
        expect(verifyChain(retyped)).toMatchObject({ valid: false, brokenAtRevision: 4, reason: 'hash_mismatch' });
      });
    });

    describe('catch-up subscription', () => {
      let subscriptions: EventSubscription[];
      beforeEach(() => {
        subscriptions = [];
      });
      afterEach(async () => {
        await Promise.all(subscriptions.map((subscription) => subscription.close()));
      });
      const subscribe = (...args: Parameters<EventStore['subscribe']>) => {
        const subscription = store.subscribe(...args);
        subscriptions.push(subscription);
        return subscription;
      };

      it('delivers history after the checkpoint, then live appends made while it catches up, without gaps or duplicates', async () => {
        for (let i = 0; i < 10; i++) await store.append(`ticket-${i % 3}`, events(2), { expectedRevision: 'any' });
        const checkpoint = (await logPositions())[6];
        const iterator = subscribe({ fromPosition: checkpoint })[Symbol.asyncIterator]();

        // Appends race the reader: some land while it is still paging through history.
        const appending = (async () => {
          for (let i = 0; i < 25; i++) {
            await store.append(`ticket-${i % 4}`, events((i % 3) + 1), { expectedRevision: 'any' });
            await new Promise((resolve) => setImmediate(resolve));
          }
        })();
        const total = 20 + range(0, 24).reduce((sum, i) => sum + (i % 3) + 1, 0);
        const received = await take(iterator, total - 7);
        await appending;

        expect(positions(received)).toEqual((await logPositions()).slice(7));
        expect(received).toEqual(await collect(store.readAll({ fromPosition: checkpoint })));
      });

      it('resumes from a checkpoint with nothing skipped and nothing repeated', async () => {
        await store.append('ticket-1', events(6), { expectedRevision: 'no_stream' });
        const first = subscribe({ fromPosition: 0 });
        const firstIterator = first[Symbol.asyncIterator]();
        const seen = await take(firstIterator, 4);
        const checkpoint = seen.at(-1)!.globalPosition;
        await first.close();
        expect(await firstIterator.next()).toEqual({ done: true, value: undefined });

        await store.append('ticket-2', events(5), { expectedRevision: 'no_stream' });
        const resumed = subscribe({ fromPosition: checkpoint })[Symbol.asyncIterator]();
        const rest = await take(resumed, 7);
        const liveNext = resumed.next();
        await store.append('ticket-1', events(1), { expectedRevision: 5 });

        expect(positions([...seen, ...rest, (await liveNext).value as RecordedEvent])).toEqual(await logPositions());
        expect(await logPositions()).toHaveLength(12);
      });

      it('waits at the head and delivers the next append live', async () => {
        await store.append('ticket-1', events(2), { expectedRevision: 'no_stream' });
        const iterator = subscribe({ fromPosition: await store.headPosition() })[Symbol.asyncIterator]();
        const next = iterator.next();
        let settled = false;
        void next.then(() => (settled = true));
        for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
        expect(settled).toBe(false);

        const event = newEvent();
        const { lastGlobalPosition } = await store.append('ticket-1', [event], { expectedRevision: 1 });
        expect((await next).value).toMatchObject({ id: event.id, globalPosition: lastGlobalPosition });
        expect(await logPositions()).toHaveLength(3);
      });

      it('applies the filter to history and live events', async () => {
        await store.append('ticket-1', events(3, { type: 'TicketOpened' }), { expectedRevision: 'no_stream' });
        await store.append('routing-1', events(3, { type: 'TicketRouted' }), { expectedRevision: 'no_stream' });
        const iterator = subscribe({ filter: { streamPrefixes: ['routing-'] } })[Symbol.asyncIterator]();
        const history = await take(iterator, 3);
        const live = iterator.next();
        await store.append('ticket-1', events(2, { type: 'TicketNoted' }), { expectedRevision: 2 });
        await store.append('routing-2', events(1, { type: 'TicketRouted' }), { expectedRevision: 'no_stream' });

        const log = await logPositions();
        expect(positions(history)).toEqual(log.slice(3, 6));
        expect((await live).value).toMatchObject({ streamName: 'routing-2', globalPosition: log[8] });
      });

      it('ends a pending iteration when closed', async () => {
        const subscription = subscribe();
        const pending = subscription[Symbol.asyncIterator]().next();
        await new Promise((resolve) => setImmediate(resolve));
        await subscription.close();
        expect(await pending).toEqual({ done: true, value: undefined });
      });

      it('ends its subscriptions when the store closes', async () => {
        const pending = subscribe()[Symbol.asyncIterator]().next();
        await new Promise((resolve) => setImmediate(resolve));
        await store.close();
        expect(await pending).toEqual({ done: true, value: undefined });
      });
    });
  });
}
