import { afterEach, beforeEach, expect, it } from '@jest/globals';
import { type Kysely, type QueryExecutorProvider, sql } from 'kysely';
import { openReadStore, type OpenReadStoreOptions, type ReadStore } from './read-store.factory';
import { readCheckpoints } from './projection-checkpoint.repository';
import type { ReadStoreTables } from './read-store.schema';
import { describeEachReadStore, type ReadStoreLocation } from './testing/read-store-targets';

const withLocation = () => {
  const state: { location: ReadStoreLocation; stores: ReadStore[] } = { location: undefined!, stores: [] };
  return {
    state,
    open: async (options: OpenReadStoreOptions = {}, url = state.location.url): Promise<ReadStore> => {
      const store = await openReadStore(url, options);
      state.stores.push(store);
      return store;
    },
  };
};

describeEachReadStore('openReadStore', (target) => {
  const { state, open } = withLocation();

  beforeEach(async () => {
    state.location = await target.create();
  });

  afterEach(async () => {
    for (const store of state.stores.splice(0)) await store.close();
    await state.location.dispose();
  });

  it('bootstraps one fresh database from many connections, once', async () => {
    // At once on PostgreSQL (its CREATE TABLE IF NOT EXISTS races without the bootstrap's advisory lock);
    // one after another on SQLite, whose driver waits for a lock synchronously, blocking this process.
    const stores =
      target.dialect === 'postgres'
        ? await Promise.all(Array.from({ length: 6 }, () => open()))
        : [await open(), await open(), await open(), await open(), await open(), await open()];
    expect(stores.map((store) => store.dialect)).toEqual(Array(6).fill(target.dialect));
    const tables = (await stores[0].db.introspection.getTables()).map((table) => table.name).sort();
    expect(tables).toEqual(['projection_checkpoints', 'projection_failures', 'read_store_locks', 'read_store_migrations']);
    const db = stores[0].db as Kysely<ReadStoreTables>;
    expect(await db.selectFrom('read_store_migrations').select(['namespace', 'name']).execute()).toEqual([
      { namespace: 'read-store', name: '0001-projections' },
    ]);
  });

  it('reads BIGINT positions and counts back as numbers', async () => {
    const store = await open();
    const db = store.db as Kysely<ReadStoreTables>;
    const position = 2 ** 40 + 7;
    await db
      .insertInto('projection_checkpoints')
      .values([
        { name: 'b-second', position, version: 1, updated_at: 'now' },
        { name: 'a-first', position: 1, version: 1, updated_at: 'now' },
      ])
      .execute();
    expect(await readCheckpoints(store)).toEqual([
      { name: 'a-first', position: 1, version: 1, updatedAt: 'now' },
      { name: 'b-second', position, version: 1, updatedAt: 'now' },
    ]);
    const raw = await db.selectFrom('projection_checkpoints').select('position').where('name', '=', 'b-second').executeTakeFirstOrThrow();
    expect(raw.position).toBe(position);
    const { count } = await db.selectFrom('projection_checkpoints').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
    expect(count).toBe(2);
  });
});

describeEachReadStore(
  'openReadStore, pg pool',
  (target) => {
    const { state, open } = withLocation();

    beforeEach(async () => {
      state.location = await target.create();
    });

    afterEach(async () => {
      for (const store of state.stores.splice(0)) await store.close();
      await state.location.dispose();
    });

    const settings = async (store: ReadStore) => {
      const { rows } = await sql<{ app: string; statement: string; idle: string }>`
        select current_setting('application_name') as app, current_setting('statement_timeout') as statement,
               current_setting('idle_in_transaction_session_timeout') as idle`.execute(store.db);
      return rows[0];
    };

    it('sets application_name, statement and idle-in-transaction timeouts on every connection', async () => {
      expect(await settings(await open())).toEqual({ app: 'ticketing-read-store', statement: '30s', idle: '1min' });
      expect(
        await settings(await open({ applicationName: 'ticketing-cli', statementTimeoutMs: 1500, idleInTransactionTimeoutMs: 2000 })),
      ).toEqual({ app: 'ticketing-cli', statement: '1500ms', idle: '2s' });
      const url = new URL(state.location.url);
      url.searchParams.set('application_name', 'from-url');
      expect((await settings(await open({ applicationName: 'ignored' }, url.toString()))).app).toBe('from-url');
    });

    it('keeps a BIGINT beyond 2^53 exact, as a string', async () => {
      const { rows } = await sql<{ big: unknown; safe: unknown }>`
        select cast('9007199254740993' as bigint) as big, cast('9007199254740991' as bigint) as safe`.execute((await open()).db);
      expect(rows[0]).toEqual({ big: '9007199254740993', safe: 9007199254740991 });
    });

    it('ends a statement that runs past statementTimeoutMs', async () => {
      const store = await open({ statementTimeoutMs: 50 });
      await expect(sql`select pg_sleep(5)`.execute(store.db)).rejects.toThrow(/statement timeout/);
      await expect(sql`select 1 as one`.execute(store.db)).resolves.toMatchObject({ rows: [{ one: 1 }] });
    });

    it('survives the server ending its connections, in a transaction and idle in the pool', async () => {
      const store = await open({ poolSize: 1 });
      const admin = await open();
      const terminate = (pid: number) => sql`select pg_terminate_backend(${pid}, 5000)`.execute(admin.db);
      const pid = async (db: QueryExecutorProvider): Promise<number> =>
        (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db)).rows[0].pid;

      // Between two statements of a transaction: the client is checked out and idle, so pg emits
      // 'error' on it; unheard, that would end the process.
      const inTransaction = store.db.transaction().execute(async (trx) => {
        await terminate(await pid(trx));
        await sql`select 1`.execute(trx);
      });
      await expect(inTransaction).rejects.toThrow();
      await terminate(await pid(store.db)); // now idle in the pool
      await expect(sql`select 1 as one`.execute(store.db)).resolves.toMatchObject({ rows: [{ one: 1 }] });
    });
  },
  { dialects: ['postgres'] },
);
