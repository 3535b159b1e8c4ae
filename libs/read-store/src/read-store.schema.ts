import { type Kysely, type Migration, sql, type Transaction } from 'kysely';
import { assertNever } from '@ticketing/kernel';
import type { ReadStoreDialect } from './read-store.factory';

/** The read store's own tables. Positions are BIGINT: PostgreSQL returns them as strings, SQLite as numbers. */
export interface ReadStoreTables {
  read_store_migrations: { namespace: string; name: string; executed_at: string };
  read_store_locks: { name: string; locked_at: string };
  projection_checkpoints: { name: string; position: number | string; version: number; updated_at: string };
  projection_failures: {
    id: string;
    projection: string;
    version: number;
    position: number | string;
    event_id: string;
    event_type: string;
    stream_name: string;
    error: string;
    attempts: number;
    failed_at: string;
  };
}

export type ReadStoreDb = Kysely<ReadStoreTables>;
export type ReadStoreTrx = Transaction<ReadStoreTables>;

export const READ_STORE_NAMESPACE = 'read-store';

const readStoreMigrations: Readonly<Record<string, Migration>> = {
  '0001-projections': {
    async up(db) {
      await db.schema
        .createTable('projection_checkpoints')
        .addColumn('name', 'varchar(200)', (col) => col.primaryKey())
        .addColumn('position', 'bigint', (col) => col.notNull())
        .addColumn('version', 'integer', (col) => col.notNull())
        .addColumn('updated_at', 'varchar(40)', (col) => col.notNull())
        .execute();
      await db.schema
        .createTable('projection_failures')
        .addColumn('id', 'varchar(64)', (col) => col.primaryKey())
        .addColumn('projection', 'varchar(200)', (col) => col.notNull())
        .addColumn('version', 'integer', (col) => col.notNull())
        .addColumn('position', 'bigint', (col) => col.notNull())
        .addColumn('event_id', 'varchar(200)', (col) => col.notNull())
        .addColumn('event_type', 'varchar(200)', (col) => col.notNull())
        .addColumn('stream_name', 'varchar(400)', (col) => col.notNull())
        .addColumn('error', 'text', (col) => col.notNull())
        .addColumn('attempts', 'integer', (col) => col.notNull())
        .addColumn('failed_at', 'varchar(40)', (col) => col.notNull())
        .execute();
      await db.schema
        .createIndex('projection_failures_by_projection')
        .on('projection_failures')
        .columns(['projection', 'failed_at'])
        .execute();
    },
  },
};

/**
 * Serialises migrations and resets of one namespace across processes. It must be the transaction's
 * first statement: on SQLite a write as first statement takes the database write lock through the busy
 * handler (a read first could later fail with SQLITE_BUSY_SNAPSHOT); on PostgreSQL the upsert holds a
 * row lock on that namespace's row until commit.
 */
export async function lockNamespace(trx: ReadStoreTrx, namespace: string, now: string): Promise<void> {
  await trx
    .insertInto('read_store_locks')
    .values({ name: namespace, locked_at: now })
    .onConflict((oc) => oc.column('name').doUpdateSet({ locked_at: now }))
    .execute();
}

/**
 * Runs a namespace's pending migrations, in name order, inside the caller's transaction, and records them.
 * Kysely's Migrator is not used because it cannot join an outer transaction, and on SQLite it runs
 * without a transaction and without a lock; here a projection's reset (drop tables, forget migrations,
 * migrate, reset checkpoint) commits as one unit or not at all, even with another process racing it.
 * Migrations are ordinary Kysely `Migration`s; `up` receives the transaction.
 */
export async function migrateInTransaction(
  trx: ReadStoreTrx,
  namespace: string,
  migrations: Readonly<Record<string, Migration>>,
  now: string,
): Promise<string[]> {
  const executed = (
    await trx.selectFrom('read_store_migrations').select('name').where('namespace', '=', namespace).execute()
  )
    .map((row) => row.name)
    .sort();
  const names = Object.keys(migrations).sort();
  executed.forEach((name, index) => {
    if (names[index] !== name) {
      throw new Error(
        `Migrations of "${namespace}" are inconsistent: "${name}" ran before but is not the defined migration #${index + 1} ` +
          `(${names[index] ?? 'none'}). New migrations must sort after the executed ones.`,
      );
    }
  });
  const pending = names.slice(executed.length);
  for (const name of pending) {
    await migrations[name].up(trx);
    await trx.insertInto('read_store_migrations').values({ namespace, name, executed_at: now }).execute();
  }
  return pending;
}

/**
 * Serialises the bootstrap below across processes on PostgreSQL: CREATE TABLE IF NOT EXISTS is not
 * race-free there (two sessions can both decide to create and one then fails on the catalog's unique
 * index). The lock is per database and released at commit. The key is an arbitrary constant that
 * only this lib uses ("rsboot" in ASCII).
 */
const BOOTSTRAP_LOCK_KEY = 0x7273626f6f74;

/** Creates the bookkeeping tables (idempotently) and runs the read store's own migrations. */
export async function migrateReadStoreSchema(untyped: Kysely<unknown>, dialect: ReadStoreDialect, now: string): Promise<void> {
  const db = untyped as Kysely<ReadStoreTables>;
  const bootstrap = async (executor: Kysely<ReadStoreTables>): Promise<void> => {
    await executor.schema
      .createTable('read_store_migrations')
      .ifNotExists()
      .addColumn('namespace', 'varchar(200)', (col) => col.notNull())
      .addColumn('name', 'varchar(200)', (col) => col.notNull())
      .addColumn('executed_at', 'varchar(40)', (col) => col.notNull())
      .addPrimaryKeyConstraint('read_store_migrations_pk', ['namespace', 'name'])
      .execute();
    await executor.schema
      .createTable('read_store_locks')
      .ifNotExists()
      .addColumn('name', 'varchar(200)', (col) => col.primaryKey())
      .addColumn('locked_at', 'varchar(40)', (col) => col.notNull())
      .execute();
  };
  const migrate = async (trx: ReadStoreTrx): Promise<void> => {
    await lockNamespace(trx, READ_STORE_NAMESPACE, now);
    await migrateInTransaction(trx, READ_STORE_NAMESPACE, readStoreMigrations, now);
  };
  switch (dialect) {
    case 'postgres':
      // DDL is transactional on PostgreSQL: the whole bootstrap commits as one unit under the lock.
      await db
        .transaction()
        .setIsolationLevel('read committed')
        .execute(async (trx) => {
          await sql`select pg_advisory_xact_lock(${sql.lit(BOOTSTRAP_LOCK_KEY)})`.execute(trx);
          await bootstrap(trx);
          await migrate(trx);
        });
      return;
    case 'sqlite':
      // Each CREATE … IF NOT EXISTS is atomic under SQLite's database lock; the migrations then run
      // under the namespace lock row, taken as the transaction's first statement.
      await bootstrap(db);
      await db.transaction().execute(migrate);
      return;
    default:
      return assertNever(dialect);
  }
}
