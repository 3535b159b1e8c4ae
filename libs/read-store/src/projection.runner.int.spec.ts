import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { Kysely } from 'kysely';
import { MemoryEventStore, type EventStore, type EventSubscription, type SubscribeOptions } from '@ticketing/event-store';
import { type Clock, ManualClock } from '@ticketing/kernel';
import { openReadStore, type ReadStore } from './read-store.factory';
import { ProjectionRunner, type ProjectionRunnerOptions, rebuildProjections } from './projection.runner';
import { ProjectionFailedError, ProjectionStoppedError } from './projection.errors';
import { listProjectionFailures, readCheckpoints } from './projection-checkpoint.repository';
import {
  appendNoted,
  expectedCounts,
  snapshot,
  streamCountsProjection,
  type StreamCountsOptions,
} from './testing/stream-counts.projection';
import { describeEachReadStore, type ReadStoreLocation } from './testing/read-store-targets';

type Deferred<T = void> = { promise: Promise<T>; resolve: (value: T) => void };
const deferred = <T = void>(): Deferred<T> => {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
};

/** A Clock whose sleeps the test releases by hand, and which says when someone starts sleeping. */
class GatedClock implements Clock {
  private readonly inner = new ManualClock();
  private sleeping = deferred<number>();
  private readonly pending: Deferred[] = [];
  now(): Date {
    return this.inner.now();
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    const wake = deferred();
    this.pending.push(wake);
    this.sleeping.resolve(ms);
    if (!signal) return wake.promise;
    return new Promise((resolve, reject) => {
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      wake.promise.then(resolve);
    });
  }
  /** Resolves with the requested delay once code under test is parked in `sleep`. */
  nextSleep(): Promise<number> {
    return this.sleeping.promise;
  }
  wakeAll(): void {
    this.sleeping = deferred<number>();
    for (const wake of this.pending.splice(0)) wake.resolve();
  }
}

/** Settles on the next turns of the event loop, so "not yet resolved" means more than one microtask. */
const settle = async (turns = 5): Promise<void> => {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
};

const isResolved = async (promise: Promise<unknown>): Promise<boolean> => {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await settle();
  return done;
};

describeEachReadStore('ProjectionRunner', (target) => {
  let location: ReadStoreLocation;
  let eventStore: MemoryEventStore;
  const stores: ReadStore[] = [];
  const runners: ProjectionRunner[] = [];

  const open = async (): Promise<ReadStore> => {
    const store = await openReadStore(location.url);
    stores.push(store);
    return store;
  };

  const runner = (
    readStore: ReadStore,
    projection: StreamCountsOptions = {},
    options: Partial<ProjectionRunnerOptions> = {},
  ): ProjectionRunner => {
    const created = new ProjectionRunner({
      readStore,
      eventStore,
      projections: [streamCountsProjection(projection)],
      clock: new ManualClock(),
      retry: { maxAttempts: 3, backoffMs: () => 0 },
      ...options,
    });
    runners.push(created);
    return created;
  };

  beforeEach(async () => {
    location = await target.create();
    eventStore = new MemoryEventStore();
  });

  afterEach(async () => {
    for (const created of runners.splice(0)) await created.stop();
    for (const store of stores.splice(0)) await store.close();
    await eventStore.close();
    await location.dispose();
  });

  describe('migrations', () => {
    it('creates the projection tables once and records their migrations per projection', async () => {
      const readStore = await open();
      const first = runner(readStore);
      await first.start();
      const tables = (await readStore.db.introspection.getTables()).map((table) => table.name);
      expect(tables).toEqual(expect.arrayContaining(['stream_counts', 'stream_count_log', 'projection_checkpoints']));
      await first.stop();

      // A migration added later without a version bump runs alone and keeps the rows.
      await appendNoted(eventStore, 'ticket-a', 2);
      const second = runner(readStore, {
        extraMigrations: {
          '0002-index': {
            async up(db: Kysely<unknown>) {
              await db.schema.createIndex('stream_count_log_by_id').on('stream_count_log').column('event_id').execute();
            },
          },
        },
      });
      await second.start();
      await second.waitFor(2);
      const migrations = await readStore.db
        .selectFrom('read_store_migrations')
        .select(['namespace', 'name'])
        .where('namespace', '=', 'projection:stream-counts')
        .orderBy('name')
        .execute();
      expect(migrations).toEqual([
        { namespace: 'projection:stream-counts', name: '0001-create' },
        { namespace: 'projection:stream-counts', name: '0002-index' },
      ]);
      expect((await snapshot(readStore.db)).counts).toEqual({ 'ticket-a': 2 });
    });

    it('refuses a migration set whose executed history no longer matches', async () => {
      const readStore = await open();
      const first = runner(readStore, {
        extraMigrations: { '0002-b': { up: async () => undefined } },
      });
      await first.start();
      await first.stop();
      const second = runner(readStore, { extraMigrations: { '0002-a': { up: async () => undefined } } });
      await second.start();
      const [status] = await second.status();
      expect(status.state).toBe('failed');
      expect(status.failure?.error).toMatch(/inconsistent/);
    });
  });

  describe('applying events', () => {
    it('applies every event once, commits the checkpoint with the rows, and reports status', async () => {
      await appendNoted(eventStore, 'ticket-a', 3);
      await appendNoted(eventStore, 'ticket-b', 2);
      const readStore = await open();
      const projections = runner(readStore);
      await projections.start();
      await projections.waitFor(5);

      expect(await snapshot(readStore.db)).toEqual({
        counts: { 'ticket-a': 3, 'ticket-b': 2 },
        positions: [1, 2, 3, 4, 5],
        checkpoint: 5,
      });
      expect(await projections.status()).toEqual([
        { name: 'stream-counts', version: 1, state: 'running', checkpoint: 5, head: 5, lag: 0 },
      ]);

      const head = await appendNoted(eventStore, 'ticket-a', 1);
      await projections.waitFor(head);
      expect((await snapshot(readStore.db)).counts).toEqual({ 'ticket-a': 4, 'ticket-b': 2 });
    });

    it('takes what is available up to batchSize per transaction, and single events under light load', async () => {
      const batches: number[] = [];
      let currentTrx: unknown;
      const readStore = await open();
      for (let i = 0; i < 12; i++) await appendNoted(eventStore, `ticket-${i % 3}`, 100);
      const projections = runner(
        readStore,
        {
          beforeApply: (_event, trx) => {
            if (trx !== currentTrx) batches.push(0);
            currentTrx = trx;
            batches[batches.length - 1] += 1;
          },
        },
        { batchSize: 500 },
      );
      await projections.start();
      await projections.waitFor(1200);
      expect(batches).toEqual([500, 500, 200]);

      const head = await appendNoted(eventStore, 'ticket-x', 1);
      await projections.waitFor(head);
      expect(batches.slice(3)).toEqual([1]);
      expect((await snapshot(readStore.db)).positions).toHaveLength(1201);
    });

    it('ignores events redelivered at or below the checkpoint', async () => {
      await appendNoted(eventStore, 'ticket-a', 4);
      const readStore = await open();
      const first = runner(readStore);
      await first.start();
      await first.waitFor(4);
      await first.stop();
      const before = await snapshot(readStore.db);

      // A subscription that ignores fromPosition redelivers history: nothing may change.
      const redelivering: EventStore = Object.create(eventStore, {
        subscribe: { value: (options?: SubscribeOptions): EventSubscription => eventStore.subscribe({ ...options, fromPosition: 0 }) },
      });
      const delivered: number[] = [];
      const second = new ProjectionRunner({
        readStore,
        eventStore: redelivering,
        projections: [streamCountsProjection({ beforeApply: (event) => void delivered.push(event.globalPosition) })],
      });
      runners.push(second);
      await second.start();
      const head = await appendNoted(eventStore, 'ticket-b', 1);
      await second.waitFor(head);

      expect(delivered).toEqual([5]);
      expect(await snapshot(readStore.db)).toEqual({
        counts: { ...before.counts, 'ticket-b': 1 },
        positions: [...before.positions, 5],
        checkpoint: 5,
      });
    });
  });

  describe('a batch that throws midway', () => {
    it('leaves neither rows nor checkpoint of that batch, then applies each event exactly once', async () => {
      const clock = new GatedClock();
      await appendNoted(eventStore, 'ticket-a', 3);
      const readStore = await open();
      const observer = await open();
      let thrown = 0;
      const seenInFailedAttempt: number[] = [];
      const projections = runner(
        readStore,
        {
          beforeApply: (event) => {
            if (thrown === 0 && event.globalPosition >= 4) seenInFailedAttempt.push(event.globalPosition);
            if (event.globalPosition === 6 && thrown === 0) {
              thrown += 1;
              throw new Error('boom');
            }
          },
        },
        { clock, retry: { maxAttempts: 3, backoffMs: () => 1_000 } },
      );
      await projections.start();
      await projections.waitFor(3);

      await appendNoted(eventStore, 'ticket-b', 5); // positions 4..8, one batch
      expect(await clock.nextSleep()).toBe(1_000);
      // Rows 4 and 5 were written in the failed transaction before 6 threw: none of it is visible.
      expect(seenInFailedAttempt).toEqual([4, 5, 6]);
      expect(await snapshot(observer.db)).toEqual({
        counts: { 'ticket-a': 3 },
        positions: [1, 2, 3],
        checkpoint: 3,
      });

      clock.wakeAll();
      await projections.waitFor(8);
      expect(await snapshot(observer.db)).toEqual({
        counts: { 'ticket-a': 3, 'ticket-b': 5 },
        positions: [1, 2, 3, 4, 5, 6, 7, 8],
        checkpoint: 8,
      });
      expect(await listProjectionFailures(readStore)).toEqual([]);
    });
  });

  describe('an event that keeps failing', () => {
    it('stops the projection at that event with a recorded failure instead of skipping it', async () => {
      let broken = true;
      await appendNoted(eventStore, 'ticket-a', 2);
      await appendNoted(eventStore, 'ticket-poison', 1); // position 3
      await appendNoted(eventStore, 'ticket-b', 2);
      const readStore = await open();
      const projections = runner(readStore, {
        beforeApply: (event) => {
          if (broken && event.streamName === 'ticket-poison') throw new Error('cannot parse');
        },
      });
      await projections.start();

      await expect(projections.waitFor(5)).rejects.toBeInstanceOf(ProjectionFailedError);
      const [status] = await projections.status();
      expect(status).toMatchObject({ state: 'failed', checkpoint: 2, head: 5, lag: 3 });
      expect(status.failure).toMatchObject({ position: 3, streamName: 'ticket-poison', attempts: 3, error: 'Error: cannot parse' });
      expect(await snapshot(readStore.db)).toEqual({ counts: { 'ticket-a': 2 }, positions: [1, 2], checkpoint: 2 });
      const failures = await listProjectionFailures(readStore, { projection: 'stream-counts' });
      expect(failures).toEqual([expect.objectContaining({ position: 3, eventType: 'TicketNoted', attempts: 3 })]);
      // Nothing moves while it is failed, even as new events arrive.
      await appendNoted(eventStore, 'ticket-c', 1);
      await settle();
      expect((await snapshot(readStore.db)).checkpoint).toBe(2);

      broken = false;
      await projections.restart('stream-counts');
      await projections.waitFor(6);
      expect(await snapshot(readStore.db)).toEqual({
        counts: { 'ticket-a': 2, 'ticket-b': 2, 'ticket-c': 1, 'ticket-poison': 1 },
        positions: [1, 2, 3, 4, 5, 6],
        checkpoint: 6,
      });
    });

    it('waits on the injected clock between attempts', async () => {
      const clock = new GatedClock();
      const readStore = await open();
      const projections = runner(
        readStore,
        { beforeApply: () => Promise.reject(new Error('down')) },
        { clock, retry: { maxAttempts: 3, backoffMs: (attempt) => attempt * 100 } },
      );
      await projections.start();
      await appendNoted(eventStore, 'ticket-a', 1);
      expect(await clock.nextSleep()).toBe(100);
      expect((await projections.status())[0].state).toBe('running');
      clock.wakeAll();
      expect(await clock.nextSleep()).toBe(200);
      clock.wakeAll();
      await expect(projections.waitFor(1)).rejects.toThrow(/after 3 attempts: Error: down/);
    });
  });

  describe('waitFor', () => {
    it('resolves exactly when the event is committed, not before', async () => {
      const gate = deferred();
      const entered = deferred();
      const readStore = await open();
      const observer = await open();
      const projections = runner(readStore, {
        beforeApply: async (event) => {
          if (event.globalPosition === 2) {
            entered.resolve();
            await gate.promise;
          }
        },
      });
      await projections.start();
      await appendNoted(eventStore, 'ticket-a', 1);
      await projections.waitFor(1);
      await appendNoted(eventStore, 'ticket-a', 1);
      const waiting = projections.waitFor(2).then(() => snapshot(observer.db));

      await entered.promise;
      expect(await isResolved(waiting)).toBe(false);
      gate.resolve();
      expect(await waiting).toMatchObject({ positions: [1, 2], checkpoint: 2 });
    });

    it('waiting for an event it takes probes the log a bounded number of times, however many batches commit first', async () => {
      const gates = new Map<number, Deferred>();
      const readStore = await open();
      const projections = runner(
        readStore,
        { beforeApply: (event) => (gates.get(event.globalPosition) ?? { promise: Promise.resolve() }).promise },
        { batchSize: 1 },
      );
      for (let position = 1; position <= 6; position++) gates.set(position, deferred());
      await projections.start();
      await appendNoted(eventStore, 'ticket-a', 6);
      const probes = jest.spyOn(eventStore, 'readAll');
      const waiting = projections.waitFor(6);
      for (let position = 1; position <= 5; position++) {
        gates.get(position)!.resolve();
        await settle();
      }
      expect(await isResolved(waiting)).toBe(false);
      gates.get(6)!.resolve();
      await waiting;
      expect(probes.mock.calls.length).toBeLessThanOrEqual(2);
    });

    it('told which event it waits for, does not probe the log when the projection takes it, and does when it does not', async () => {
      const readStore = await open();
      const projections = runner(readStore, { streamPrefixes: ['ticket-'] });
      await projections.start();
      const own = await appendNoted(eventStore, 'ticket-a', 1);
      const probes = jest.spyOn(eventStore, 'readAll');
      await projections.caughtUpTo('stream-counts', own, { written: { streamName: 'ticket-a', type: 'TicketNoted' } });
      expect(probes).not.toHaveBeenCalled();
      expect(await snapshot(readStore.db)).toMatchObject({ checkpoint: own });

      const unrelated = await appendNoted(eventStore, 'routing-a', 1);
      await projections.caughtUpTo('stream-counts', unrelated, { written: { streamName: 'routing-a', type: 'TicketNoted' } });
      expect(probes).toHaveBeenCalled();
    });

    it('resolves for a position the projection filters out, once everything before it is applied', async () => {
      const readStore = await open();
      const projections = runner(readStore, { streamPrefixes: ['ticket-'] });
      await projections.start();
      await appendNoted(eventStore, 'ticket-a', 2);
      const unrelated = await appendNoted(eventStore, 'routing-a', 3);
      await projections.waitFor(unrelated);
      expect(await snapshot(readStore.db)).toMatchObject({ counts: { 'ticket-a': 2 }, checkpoint: 2 });
      expect((await projections.status())[0]).toMatchObject({ checkpoint: 2, head: 5, lag: 0 });
    });

    it('rejects for a position beyond the head, when stopped, and when its signal aborts', async () => {
      const gate = deferred();
      const entered = deferred();
      const readStore = await open();
      const projections = runner(readStore, {
        beforeApply: () => {
          entered.resolve();
          return gate.promise;
        },
      });
      await projections.start();
      await expect(projections.waitFor(10)).rejects.toBeInstanceOf(RangeError);

      await appendNoted(eventStore, 'ticket-a', 1);
      await entered.promise;
      const aborter = new AbortController();
      const aborted = projections.waitFor(1, { signal: aborter.signal });
      aborter.abort(new Error('timed out'));
      await expect(aborted).rejects.toThrow('timed out');

      // Event 2 is not in the batch in flight: stopping lets that batch commit, then gives up on 2.
      await appendNoted(eventStore, 'ticket-a', 1);
      const stopped = projections.caughtUpTo('stream-counts', 2);
      const stopping = projections.stop();
      gate.resolve();
      await stopping;
      await expect(stopped).rejects.toBeInstanceOf(ProjectionStoppedError);
      expect(await snapshot(readStore.db)).toMatchObject({ positions: [1], checkpoint: 1 });
    });
  });

  describe('rebuild', () => {
    const corrupt = async (readStore: ReadStore): Promise<void> => {
      await readStore.db.updateTable('stream_counts').set({ events: 999 }).execute();
      await readStore.db.deleteFrom('stream_count_log').where('position', '>', 2).execute();
    };

    it('drops the tables and replays to the same rows, then keeps following', async () => {
      await appendNoted(eventStore, 'ticket-a', 3);
      await appendNoted(eventStore, 'ticket-b', 4);
      const readStore = await open();
      const projections = runner(readStore, {}, { replayPageSize: 3, batchSize: 2 });
      await projections.start();
      await projections.waitFor(7);
      const applied = await snapshot(readStore.db);
      await corrupt(readStore);
      expect(await snapshot(readStore.db)).not.toEqual(applied);

      await projections.rebuild('stream-counts');
      expect(await snapshot(readStore.db)).toEqual(applied);
      expect((await projections.status())[0]).toMatchObject({ state: 'running', checkpoint: 7 });

      const head = await appendNoted(eventStore, 'ticket-c', 1);
      await projections.waitFor(head);
      expect((await snapshot(readStore.db)).counts).toEqual({ ...applied.counts, 'ticket-c': 1 });
    });

    it('runs from a separate store (the CLI) against the same database', async () => {
      await appendNoted(eventStore, 'ticket-a', 3);
      const readStore = await open();
      const server = runner(readStore);
      await server.start();
      await server.waitFor(3);
      await server.stop();
      const applied = await snapshot(readStore.db);
      await corrupt(readStore);

      const cli = await open();
      const statuses = await rebuildProjections({
        readStore: cli,
        eventStore,
        projections: [streamCountsProjection()],
      });
      expect(statuses).toEqual([{ name: 'stream-counts', version: 1, state: 'stopped', checkpoint: 3, head: 3, lag: 0 }]);
      expect(await snapshot(readStore.db)).toEqual(applied);
      await expect(
        rebuildProjections({ readStore: cli, eventStore, projections: [streamCountsProjection()], names: ['nope'] }),
      ).rejects.toThrow(/Unknown projection "nope"; known: stream-counts/);
    });

    it('happens on start when the definition version was bumped, and an older version refuses to write', async () => {
      await appendNoted(eventStore, 'ticket-a', 2);
      await appendNoted(eventStore, 'ticket-b', 1);
      const readStore = await open();
      const v1 = runner(readStore);
      await v1.start();
      await v1.waitFor(3);
      await v1.stop();

      const v2 = runner(readStore, { version: 2, weight: 10 });
      await v2.start();
      await v2.waitFor(3);
      expect(await snapshot(readStore.db)).toEqual({
        counts: { 'ticket-a': 20, 'ticket-b': 10 },
        positions: [1, 2, 3],
        checkpoint: 3,
      });
      expect(await readCheckpoints(readStore)).toEqual([expect.objectContaining({ name: 'stream-counts', version: 2, position: 3 })]);
      await v2.stop();

      const stale = runner(readStore, { version: 1 });
      await stale.start();
      await appendNoted(eventStore, 'ticket-a', 1);
      const [status] = await stale.status();
      expect(status.state).toBe('failed');
      expect(status.failure?.error).toMatch(/built by version 2 but this process defines version 1/);
      expect((await snapshot(readStore.db)).counts).toEqual({ 'ticket-a': 20, 'ticket-b': 10 });
    });

    it('matches what a fresh projection computes from the whole log', async () => {
      for (let i = 0; i < 30; i++) await appendNoted(eventStore, `ticket-${i % 4}`, (i % 3) + 1);
      await appendNoted(eventStore, 'routing-x', 2);
      const readStore = await open();
      const projections = runner(readStore, { streamPrefixes: ['ticket-'] });
      await projections.rebuild();
      expect((await snapshot(readStore.db)).counts).toEqual(
        await expectedCounts(eventStore, (event) => event.streamName.startsWith('ticket-')),
      );
      expect((await projections.status())[0].state).toBe('stopped');
    });
  });
});
