/*
 * The KurrentDB adapter driven through the REAL @kurrent/kurrentdb-client (its JS gRPC side for
 * appends and subscriptions, its native Rust bridge for reads) against a protocol-level fake of the
 * server (kurrentdb-fake.fixtures.ts) over a real local socket.
 *
 * What this proves: the adapter's own code — expected-revision handling, the hash chain, idempotent
 * retries, position mapping and paging, server-side filters, subscription reconnects, deadlines and
 * the mapping of the client's errors to the kernel's — behaves as the port's contract demands when
 * the server answers the way the fake models it, and that the client really turns those wire
 * answers (wrong expected version in Append and in BatchAppend, UNAVAILABLE, DEADLINE_EXCEEDED,
 * silence) into the errors the adapter maps.
 *
 * What it does NOT prove: that a real EventStoreDB/KurrentDB answers the way the fake does. The
 * fake's idempotency rules, position layout, filter semantics and error details are a model written
 * from the server's source and documentation; where that model is wrong, these tests pass and the
 * adapter is still wrong. Nor does it exercise TLS, authentication, cluster discovery, leader
 * changes, scavenging or real latency. The same contract suite against a real server runs in
 * kurrentdb-event-store.containers.int.spec.ts wherever a container engine answers.
 */
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { status } from '@grpc/grpc-js';
import {
  ConcurrencyError,
  ManualClock,
  ServiceUnavailableError,
  ValidationError,
  type EventMetadata,
} from '@ticketing/kernel';
import type { EventStore, NewEvent, RecordedEvent } from '../event-store.port';
import { GENESIS_HASH, verifyChain } from '../hash-chain';
import { openEventStore } from '../open-event-store';
import { eventStoreContract } from '../testing';
import { KurrentDbEventStore, type KurrentDbEventStoreOptions } from './kurrentdb-event-store.adapter';
import { FakeKurrentDb, type FakeKurrentDbOptions } from './kurrentdb-fake.fixtures';

// Real sockets and a native bridge: the 50-appender races take seconds, more on a loaded machine.
jest.setTimeout(120_000);

eventStoreContract(
  'kurrentdb against a gRPC fake (real client, BatchAppend protocol)',
  async (options) => {
    const fake = await FakeKurrentDb.start();
    return {
      store: new KurrentDbEventStore({ ...options, connectionString: fake.connectionString }),
      dispose: () => fake.stop(),
    };
  },
  { densePositions: false, storeWideEventIds: false },
);

const metadata: EventMetadata = {
  ticketId: 't-1',
  correlationId: 'c-1',
  causationId: 'c-1',
  actor: { kind: 'agent', id: 'a-1' },
  occurredAt: '2026-01-01T00:00:00.000Z',
};

let counter = 0;
const newEvent = (overrides: Partial<NewEvent> = {}): NewEvent => ({
  id: `e-${++counter}`,
  type: 'TicketNoted',
  schemaVersion: 1,
  data: { n: counter },
  metadata,
  ...overrides,
});
const events = (count: number): NewEvent[] => Array.from({ length: count }, () => newEvent());

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** Waits for I/O (a request reaching the fake, a timer being armed): no wall-clock timer is awaited as such. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2_000; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const rejectionOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );

describe('KurrentDbEventStore through the real client against a gRPC fake', () => {
  const DEADLINE_MS = 2_000;
  let fake: FakeKurrentDb;
  let clock: ManualClock;
  let stores: KurrentDbEventStore[];

  const open = (options: Partial<KurrentDbEventStoreOptions> = {}): KurrentDbEventStore => {
    const store = new KurrentDbEventStore({
      connectionString: fake.connectionString,
      clock,
      deadlineMs: DEADLINE_MS,
      pageSize: 4,
      ...options,
    });
    stores.push(store);
    return store;
  };

  const startFake = async (options: FakeKurrentDbOptions = {}): Promise<void> => {
    await fake?.stop();
    fake = await FakeKurrentDb.start(options);
  };

  beforeEach(async () => {
    clock = new ManualClock('2026-03-01T10:00:00.000Z');
    stores = [];
    fake = await FakeKurrentDb.start();
  });

  afterEach(async () => {
    await Promise.all(stores.map((store) => store.close()));
    await fake.stop();
  });

  describe.each([
    ['BatchAppend (servers since 21.10)', true],
    ['Append (20.x servers)', false],
  ])('appends over %s', (_, batchAppend) => {
    beforeEach(() => startFake({ batchAppend }));

    it('maps the server refusing an exact revision another writer just took to a ConcurrencyError, after re-reading', async () => {
      const store = open();
      const rival = open();
      await store.append('ticket-1', events(1), { expectedRevision: 'no_stream' });
      // The rival's append lands between our read of the stream and our write.
      fake.failNext('append', { before: () => rival.append('ticket-1', events(1), { expectedRevision: 0 }) });

      const error = await rejectionOf(store.append('ticket-1', events(1), { expectedRevision: 0 }));

      expect(error).toBeInstanceOf(ConcurrencyError);
      expect(error).toMatchObject({ streamName: 'ticket-1', expected: '0', actual: '1' });
      expect((await collect(store.readStream('ticket-1'))).map((event) => event.streamRevision)).toEqual([0, 1]);
    });

    it("re-reads and retries when the caller's expectation still holds ('any'), keeping the chain intact", async () => {
      const store = open();
      const rival = open();
      await store.append('ticket-1', events(1), { expectedRevision: 'no_stream' });
      fake.failNext('append', { before: () => rival.append('ticket-1', events(1), { expectedRevision: 0 }) });

      const mine = newEvent();
      const result = await store.append('ticket-1', [mine], { expectedRevision: 'any' });

      const stream = await collect(store.readStream('ticket-1'));
      expect(result.nextExpectedRevision).toBe(2);
      expect(stream[2]).toMatchObject({ id: mine.id, globalPosition: result.lastGlobalPosition, prevHash: stream[1].hash });
      expect(verifyChain(stream)).toMatchObject({ valid: true, eventsChecked: 3 });
    });

    it.each([
      ['UNAVAILABLE', status.UNAVAILABLE],
      ['DEADLINE_EXCEEDED', status.DEADLINE_EXCEEDED],
    ])('maps %s on an append to ServiceUnavailableError and writes nothing', async (_, code) => {
      const store = open();
      fake.failNext('append', { status: code });

      const error = await rejectionOf(store.append('ticket-1', events(2), { expectedRevision: 'no_stream' }));

      expect(error).toBeInstanceOf(ServiceUnavailableError);
      expect(fake.log.filter((record) => record.stream === 'ticket-1')).toHaveLength(0);
    });

    it('returns the first result when an append whose answer was lost is retried, writing it once', async () => {
      const store = open();
      const batch = events(3);
      fake.failNext('append', { status: status.UNAVAILABLE, afterWrite: true });

      await expect(store.append('ticket-1', batch, { expectedRevision: 'no_stream' })).rejects.toThrow(ServiceUnavailableError);
      const retried = await store.append('ticket-1', batch, { expectedRevision: 'no_stream' });

      const stream = await collect(store.readStream('ticket-1'));
      expect(stream.map((event) => event.id)).toEqual(batch.map((event) => event.id));
      expect(retried).toEqual({ nextExpectedRevision: 2, lastGlobalPosition: stream[2].globalPosition });
    });

    it('gives up on an append the server never answers when the deadline passes on the injected clock', async () => {
      const store = open();
      fake.failNext('append', { hang: true });
      const calls = () => fake.calls.append + fake.calls.batchAppend;

      const pending = rejectionOf(store.append('ticket-1', events(1), { expectedRevision: 'no_stream' }));
      await until(() => calls() === 1 && clock.pendingSleeps === 1, 'the append to reach the fake');
      clock.advance(DEADLINE_MS - 1);
      await new Promise((resolve) => setImmediate(resolve));
      expect(clock.pendingSleeps).toBe(1); // not yet
      clock.advance(1);

      const error = await pending;
      expect(error).toBeInstanceOf(ServiceUnavailableError);
      expect((error as Error).message).toMatch(`within ${DEADLINE_MS} ms`);
    });
  });

  describe('reads', () => {
    it.each([
      ['UNAVAILABLE', status.UNAVAILABLE],
      ['DEADLINE_EXCEEDED', status.DEADLINE_EXCEEDED],
    ])('maps %s on a read (through the native bridge) to ServiceUnavailableError', async (_, code) => {
      const store = open();
      fake.failNext('read', { status: code });
      await expect(collect(store.readStream('ticket-1'))).rejects.toThrow(ServiceUnavailableError);
      fake.failNext('read', { status: code });
      await expect(collect(store.readAll())).rejects.toThrow(ServiceUnavailableError);
      fake.failNext('read', { status: code });
      await expect(store.ping()).rejects.toThrow(ServiceUnavailableError);
    });

    it('bounds a read the server never answers with the deadline (the bridge itself has none)', async () => {
      const store = open();
      fake.failNext('read', { hang: true });
      const pending = rejectionOf(store.headPosition());
      await until(() => fake.calls.read === 1 && clock.pendingSleeps === 1, 'the read to reach the fake');
      clock.advance(DEADLINE_MS);
      expect(await pending).toBeInstanceOf(ServiceUnavailableError);
    });

    it('reads $all page by page, only as far as the reader pulls', async () => {
      const store = open();
      for (let i = 0; i < 10; i++) await store.append(`ticket-${i}`, events(4), { expectedRevision: 'no_stream' });
      const readsBefore = fake.calls.read;

      const iterator = store.readAll()[Symbol.asyncIterator]();
      for (let i = 0; i < 5; i++) await iterator.next();

      // Five events of pages of four: two reads, not the whole log of 40 events (plus the server's own).
      expect(fake.calls.read - readsBefore).toBe(2);
      await iterator.return?.();
    });

    it("skips the server's $ events and other applications' events in $all, but refuses them inside a stream it owns", async () => {
      const store = open();
      await store.append('ticket-1', events(2), { expectedRevision: 'no_stream' });
      fake.writeRaw({ stream: 'other-app-1', type: 'SomethingElse', data: { x: 1 } });
      fake.writeRaw({ stream: '$ce-ticket', type: '$>', data: {} });
      await store.append('ticket-2', events(1), { expectedRevision: 'no_stream' });

      const all = await collect(store.readAll());
      expect(all.map((event) => event.streamName)).toEqual(['ticket-1', 'ticket-1', 'ticket-2']);
      expect(await store.headPosition()).toBe(all[2].globalPosition);

      fake.writeRaw({ stream: 'ticket-2', type: 'Injected', data: {} });
      await expect(collect(store.readStream('ticket-2'))).rejects.toThrow(/not written by this event store/);
    });

    it('fails loudly instead of inventing positions on a server that reports none on stream reads (before 22.6)', async () => {
      await startFake({ legacyStreamReadPositions: true });
      const store = open();
      await expect(store.append('ticket-1', events(1), { expectedRevision: 'no_stream' })).rejects.toThrow(/22\.6/);
    });

    it('fails loudly on an event of ours whose commit and prepare positions differ (an explicit transaction)', async () => {
      const store = open();
      await store.append('ticket-1', events(1), { expectedRevision: 'no_stream' });
      const [ours] = await collect(store.readStream('ticket-1'));
      fake.writeRaw({
        stream: 'ticket-9',
        type: 'TicketNoted',
        data: {},
        metadata: { ticketing: { v: 1, id: 'x', schemaVersion: 1, recordedAt: ours.recordedAt, prevHash: GENESIS_HASH, hash: ours.hash, metadata } },
        commitAfterPrepare: 64n,
      });
      await expect(collect(store.readAll())).rejects.toThrow(/explicit transaction/);
    });
  });

  describe('subscriptions', () => {
    const take = async (iterator: AsyncIterator<RecordedEvent>, count: number) => {
      const out: RecordedEvent[] = [];
      while (out.length < count) {
        const next = await iterator.next();
        if (next.done) throw new Error('subscription ended');
        out.push(next.value);
      }
      return out;
    };

    it('resubscribes after a dropped connection, after a backoff on the injected clock, from the last delivered position', async () => {
      const drops: Array<[unknown, number]> = [];
      const store = open({ onSubscriptionDropped: (error, attempt) => drops.push([error, attempt]) });
      await store.append('ticket-1', events(3), { expectedRevision: 'no_stream' });
      const subscription = store.subscribe();
      const iterator = subscription[Symbol.asyncIterator]();
      const before = await take(iterator, 3);

      expect(fake.dropSubscriptions(status.UNAVAILABLE)).toBe(1);
      const pending = take(iterator, 4);
      await until(() => clock.pendingSleeps === 1, 'the subscription to back off');
      // Appended while nobody is subscribed: must arrive once the subscription is back.
      await store.append('ticket-1', events(2), { expectedRevision: 2 });
      await store.append('ticket-2', events(2), { expectedRevision: 'no_stream' });
      expect(fake.calls.subscribe).toBe(1);
      clock.advance(100);

      const after = await pending;
      const all = await collect(store.readAll());
      expect([...before, ...after]).toEqual(all);
      expect(fake.subscriptionStarts).toEqual([
        'start',
        { commit: BigInt(before[2].globalPosition), prepare: BigInt(before[2].globalPosition) },
      ]);
      expect(drops).toHaveLength(1);
      expect(drops[0][0]).toBeInstanceOf(Error);
      expect(drops[0][1]).toBe(1);
      await subscription.close();
    });

    it('drops what a server re-delivers at the resume position: nothing is repeated', async () => {
      await startFake({ subscriptionStartInclusive: true });
      const store = open();
      await store.append('ticket-1', events(2), { expectedRevision: 'no_stream' });
      const iterator = store.subscribe()[Symbol.asyncIterator]();
      const before = await take(iterator, 2);
      fake.dropSubscriptions();
      const next = iterator.next();
      await until(() => clock.pendingSleeps === 1, 'the backoff');
      const { lastGlobalPosition } = await store.append('ticket-1', events(1), { expectedRevision: 1 });
      clock.advance(100);

      expect((await next).value).toMatchObject({ streamRevision: 2, globalPosition: lastGlobalPosition });
      expect(fake.subscriptionStarts.at(-1)).toEqual({
        commit: BigInt(before[1].globalPosition),
        prepare: BigInt(before[1].globalPosition),
      });
    });

    it('backs off longer after each failed attempt and resets once events flow again', async () => {
      const store = open({ reconnect: { initialDelayMs: 100, maxDelayMs: 1_000 } });
      await store.append('ticket-1', events(1), { expectedRevision: 'no_stream' });
      fake.failNext('subscribe', { status: status.UNAVAILABLE }, 2);
      const iterator = store.subscribe()[Symbol.asyncIterator]();
      const first = iterator.next();

      await until(() => fake.calls.subscribe === 1 && clock.pendingSleeps === 1, 'the first backoff');
      clock.advance(100);
      await until(() => fake.calls.subscribe === 2 && clock.pendingSleeps === 1, 'the second backoff');
      clock.advance(199);
      await new Promise((resolve) => setTimeout(resolve, 20)); // give a premature resubscribe the chance to show
      expect(fake.calls.subscribe).toBe(2);
      clock.advance(1);

      expect((await first).value).toMatchObject({ streamName: 'ticket-1', streamRevision: 0 });
      expect(fake.calls.subscribe).toBe(3);
    });

    it('does not retry an error that retrying cannot fix: the iteration fails', async () => {
      const store = open();
      fake.failNext('subscribe', { status: status.UNAUTHENTICATED });
      await expect(store.subscribe()[Symbol.asyncIterator]().next()).rejects.toThrow();
      expect(clock.pendingSleeps).toBe(0);
      expect(fake.calls.subscribe).toBe(1);
    });

    it('ends a subscription waiting out its backoff when closed', async () => {
      const store = open();
      fake.failNext('subscribe', { status: status.UNAVAILABLE });
      const subscription = store.subscribe();
      const pending = subscription[Symbol.asyncIterator]().next();
      await until(() => clock.pendingSleeps === 1, 'the backoff');
      await subscription.close();
      expect(await pending).toEqual({ done: true, value: undefined });
      expect(clock.pendingSleeps).toBe(0);
    });

    it('filters by stream prefix on the server and by event type here when both are asked for', async () => {
      const store = open();
      await store.append('ticket-1', [newEvent({ type: 'TicketOpened' }), newEvent({ type: 'TicketNoted' })], {
        expectedRevision: 'no_stream',
      });
      await store.append('routing-1', [newEvent({ type: 'TicketOpened' })], { expectedRevision: 'no_stream' });
      const iterator = store.subscribe({ filter: { streamPrefixes: ['ticket-'], eventTypes: ['TicketOpened'] } })[Symbol.asyncIterator]();
      const live = take(iterator, 2);
      await store.append('ticket-2', [newEvent({ type: 'TicketNoted' }), newEvent({ type: 'TicketOpened' })], {
        expectedRevision: 'no_stream',
      });
      expect((await live).map((event) => [event.streamName, event.type])).toEqual([
        ['ticket-1', 'TicketOpened'],
        ['ticket-2', 'TicketOpened'],
      ]);
    });
  });

  describe('openEventStore', () => {
    it.each(['kurrentdb', 'esdb'])('opens %s:// URLs as a KurrentDbEventStore', async (scheme) => {
      const store = await openEventStore(fake.connectionString.replace(/^kurrentdb/, scheme), { clock, deadlineMs: DEADLINE_MS });
      try {
        expect(store).toBeInstanceOf(KurrentDbEventStore);
        await store.append('ticket-1', events(1), { expectedRevision: 'no_stream' });
        expect(await collect(store.readStream('ticket-1'))).toHaveLength(1);
      } finally {
        await store.close();
      }
    });

    it('rejects a malformed connection string with a ValidationError', async () => {
      await expect(openEventStore('kurrentdb://')).rejects.toThrow(ValidationError);
    });

    it('keeps namespaces apart on one server', async () => {
      const a: EventStore = open({ streamNamespace: 'a/' });
      const b: EventStore = open({ streamNamespace: 'b/' });
      await a.append('ticket-1', events(2), { expectedRevision: 'no_stream' });
      await b.append('ticket-1', events(1), { expectedRevision: 'no_stream' });
      expect(await collect(a.readStream('ticket-1'))).toHaveLength(2);
      expect((await collect(b.readAll())).map((event) => event.streamName)).toEqual(['ticket-1']);
      expect(fake.log.map((record) => record.stream)).toEqual(expect.arrayContaining(['a/ticket-1', 'b/ticket-1']));
    });
  });
});
