import { afterEach, beforeEach, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { type EventStore, type EventSubscription, MemoryEventStore, type SubscribeOptions } from '@ticketing/event-store';
import { openReadStore, type OpenReadStoreOptions, type ReadStore } from './read-store.factory';
import { ProjectionRunner, rebuildProjections } from './projection.runner';
import type { ProjectionLogger } from './projection.worker';
import { appendNoted, expectedCounts, snapshot, streamCountsProjection } from './testing/stream-counts.projection';
import { describeEachReadStore, type ReadStoreLocation } from './testing/read-store-targets';

type Deferred = { promise: Promise<void>; resolve: () => void };
const deferred = (): Deferred => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

/** The store as a subscriber sees it when events from `position` on reach it only once `until` resolves. */
const deliveringLate = (store: EventStore, position: number, until: Promise<void>): EventStore =>
  Object.create(store, {
    subscribe: {
      value: (options?: SubscribeOptions): EventSubscription => {
        const inner = store.subscribe(options);
        return {
          close: () => inner.close(),
          async *[Symbol.asyncIterator]() {
            for await (const event of inner) {
              if (event.globalPosition >= position) await until;
              yield event;
            }
          },
        };
      },
    },
  }) as EventStore;

type Logged = { level: 'warn' | 'error'; message: string; error?: string };
const recordingLogger = (into: Logged[]): ProjectionLogger => ({
  info: () => undefined,
  warn: (details, message) => void into.push({ level: 'warn', message, ...('error' in details ? { error: String(details.error) } : {}) }),
  error: (details, message) => void into.push({ level: 'error', message, ...('error' in details ? { error: String(details.error) } : {}) }),
});

// Two writers on one SQLite file in one process cannot interleave: better-sqlite3 waits for the write
// lock synchronously, blocking the event loop that would release it. SQLite's side of these races runs
// in child processes (projection.cross-process.int.spec.ts); here PostgreSQL's row locks are shown
// with two pools in one process, each standing for a process.
describeEachReadStore(
  'concurrent writers on one projection',
  (target) => {
    let location: ReadStoreLocation;
    let eventStore: MemoryEventStore;
    const stores: ReadStore[] = [];
    const runners: ProjectionRunner[] = [];

    const open = async (options: OpenReadStoreOptions = {}, url = location.url): Promise<ReadStore> => {
      const store = await openReadStore(url, options);
      stores.push(store);
      return store;
    };

    /** Resolves once a session of `applicationName` is blocked on a lock held by another. */
    const blockedOnLock = async (observer: ReadStore, applicationName: string): Promise<void> => {
      for (;;) {
        const { rows } = await sql<{ waiting: number }>`
          select count(*) as waiting from pg_stat_activity
          where datname = current_database() and application_name = ${applicationName} and wait_event_type = 'Lock'`.execute(
          observer.db,
        );
        if (rows[0].waiting > 0) return;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };

    beforeEach(async () => {
      location = await target.create();
      eventStore = new MemoryEventStore();
    });

    afterEach(async () => {
      for (const runner of runners.splice(0)) await runner.stop();
      for (const store of stores.splice(0)) await store.close();
      await eventStore.close();
      await location.dispose();
    });

    it('a rebuild waits for the batch in flight instead of deadlocking with it, then both carry on', async () => {
      await appendNoted(eventStore, 'ticket-a', 3);
      const gate = deferred();
      const entered = deferred();
      const serverLog: Logged[] = [];
      const server = new ProjectionRunner({
        readStore: await open({ applicationName: 'server' }),
        eventStore,
        // Parks the batch after its checkpoint update (row lock held) and before its first insert.
        projections: [
          streamCountsProjection({
            beforeApply: async (event) => {
              if (event.globalPosition !== 4) return;
              entered.resolve();
              await gate.promise;
            },
          }),
        ],
        logger: recordingLogger(serverLog),
      });
      runners.push(server);
      await server.start();
      await server.waitFor(3);
      await appendNoted(eventStore, 'ticket-b', 2); // 4..5: one batch, parked
      await entered.promise;

      const cliLog: Logged[] = [];
      const observer = await open();
      const rebuilding = rebuildProjections({
        readStore: await open({ applicationName: 'cli' }),
        eventStore,
        projections: [streamCountsProjection()],
        logger: recordingLogger(cliLog),
      });
      // The reset is blocked on the checkpoint row before it drops anything. Had it dropped the tables
      // first, the batch's insert would now wait for the reset, the reset for the checkpoint row: deadlock.
      await blockedOnLock(observer, 'cli');
      gate.resolve();
      const [status] = await rebuilding;
      expect(status).toMatchObject({ state: 'stopped', checkpoint: 5, lag: 0 });

      const head = await appendNoted(eventStore, 'ticket-c', 1);
      await server.waitFor(head);
      expect(await snapshot(observer.db)).toEqual({
        counts: await expectedCounts(eventStore),
        positions: [1, 2, 3, 4, 5, 6],
        checkpoint: 6,
      });
      // No deadlock victim, no retry: neither side had to recover from anything.
      expect({ serverLog, cliLog }).toEqual({ serverLog: [], cliLog: [] });
    });

    it('a batch that waited for another writer finds the checkpoint moved, even where REPEATABLE READ is the default', async () => {
      await appendNoted(eventStore, 'ticket-a', 3);
      const gate = deferred();
      const entered = deferred();
      const first = new ProjectionRunner({
        readStore: await open({ applicationName: 'first' }),
        eventStore,
        projections: [
          streamCountsProjection({
            beforeApply: async (event) => {
              if (event.globalPosition !== 4) return;
              entered.resolve();
              await gate.promise;
            },
          }),
        ],
      });
      runners.push(first);
      await first.start();
      await first.waitFor(3);
      await first.stop();

      // The second replica's server defaults to REPEATABLE READ, where an UPDATE of a row another
      // transaction changed fails with a serialization error; the batch must still see "moved".
      const url = new URL(location.url);
      url.searchParams.set('options', '-c default_transaction_isolation=repeatable\\ read');
      const secondLog: Logged[] = [];
      const secondStore = await open({ applicationName: 'second' }, url.toString());
      const { rows } = await sql<{ isolation: string }>`select current_setting('default_transaction_isolation') as isolation`.execute(
        secondStore.db,
      );
      expect(rows[0].isolation).toBe('repeatable read');
      const second = new ProjectionRunner({
        readStore: secondStore,
        // Sees 4..5 only once the first replica's batch holds the checkpoint row, so it is the one that waits.
        eventStore: deliveringLate(eventStore, 4, entered.promise),
        projections: [streamCountsProjection()],
        logger: recordingLogger(secondLog),
      });
      runners.push(second);
      await second.start();
      await second.waitFor(3);

      await first.start();
      await appendNoted(eventStore, 'ticket-b', 2); // 4..5: the first replica holds the checkpoint row
      await entered.promise;
      await blockedOnLock(stores[0], 'second');
      gate.resolve();
      await Promise.all([first.waitFor(5), second.waitFor(5)]);

      expect(secondLog).toEqual([
        { level: 'warn', message: 'Checkpoint of stream-counts is no longer at 3 (version or position changed elsewhere)' },
      ]);
      expect(await snapshot(secondStore.db)).toEqual({
        counts: await expectedCounts(eventStore),
        positions: [1, 2, 3, 4, 5],
        checkpoint: 5,
      });
    });

    it('two replicas following the same log apply every event exactly once', async () => {
      const logs: Logged[] = [];
      const replicas = await Promise.all(
        ['one', 'two'].map(
          async (name) =>
            new ProjectionRunner({
              readStore: await open({ applicationName: name }),
              eventStore,
              projections: [streamCountsProjection({ beforeApply: () => new Promise((resolve) => setImmediate(resolve)) })],
              logger: recordingLogger(logs),
              batchSize: 7,
            }),
        ),
      );
      runners.push(...replicas);
      await Promise.all(replicas.map((replica) => replica.start()));
      let head = 0;
      for (let i = 0; i < 40; i++) head = await appendNoted(eventStore, `ticket-${i % 5}`, (i % 4) + 1);
      await Promise.all(replicas.map((replica) => replica.waitFor(head)));

      expect(await snapshot(stores[0].db)).toEqual({
        counts: await expectedCounts(eventStore),
        positions: Array.from({ length: head }, (_, i) => i + 1),
        checkpoint: head,
      });
      // Losing a race is expected and harmless; anything else (a retry, a failure) is not.
      expect(logs.filter((entry) => !entry.message.startsWith('Checkpoint of stream-counts is no longer at'))).toEqual([]);
    });
  },
  { dialects: ['postgres'] },
);
