import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import { Pool, types as pgTypes, type CustomTypesConfig } from 'pg';
import { preparePrivateSqliteFile } from '@ticketing/event-store';
import { type Clock, SystemClock, ValidationError } from '@ticketing/kernel';
import { migrateReadStoreSchema } from './read-store.schema';
import { withStatementCache } from './statement-cache.sqlite';

/** SQL dialects a read store can speak; queries and migrations stay neutral between them. */
export type ReadStoreDialect = 'sqlite' | 'postgres';

/** A read-side database: projections' tables, their checkpoints, migrations and failures. */
export interface ReadStore {
  /**
   * The Kysely instance. Untyped because every projection brings its own table types: narrow it with
   * `store.db as Kysely<MyTables>` in the code that owns those tables.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each projection types its own tables
  readonly db: Kysely<any>;
  readonly dialect: ReadStoreDialect;
  close(): Promise<void>;
}

/** DI token for the ReadStore. */
export const READ_STORE = Symbol('ReadStore');

export type OpenReadStoreOptions = Readonly<{
  /**
   * SQLite `synchronous`, as for the event store: FULL (default) fsyncs every commit; NORMAL survives a
   * process kill but may lose the last commits on power loss (a projection then simply replays them).
   */
  synchronous?: 'FULL' | 'NORMAL';
  /** How long a writer waits for another process's write lock before failing, default 5000. */
  busyTimeoutMs?: number;
  /** Stamps migration records; default SystemClock. */
  clock?: Clock;
  /** PostgreSQL: most connections this process holds (one per projection batch in flight), default 10. */
  poolSize?: number;
  /**
   * PostgreSQL: longest statement, lock waits included, default 30 000 ms. A batch stuck behind another
   * process's lock fails, rolls back and is retried instead of hanging.
   */
  statementTimeoutMs?: number;
  /**
   * PostgreSQL: a transaction left idle this long (a process frozen mid-batch) is ended by the server,
   * releasing the checkpoint row it holds; default 60 000 ms.
   */
  idleInTransactionTimeoutMs?: number;
  /** PostgreSQL: how long to wait for a new connection, default 10 000 ms. */
  connectTimeoutMs?: number;
  /** PostgreSQL: shown in pg_stat_activity; default `ticketing-read-store`. An `application_name` in the URL wins. */
  applicationName?: string;
}>;

const openSqlite = (path: string, options: OpenReadStoreOptions): ReadStore => {
  // Projections hold personal data: the file and its -wal/-shm are the owner's only.
  preparePrivateSqliteFile(path);
  const database = new Database(path);
  try {
    if (path !== ':memory:') database.pragma('journal_mode = WAL');
    database.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000))}`);
    database.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
    database.pragma('foreign_keys = ON');
  } catch (error) {
    database.close();
    throw error;
  }
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
};

const INT8_OID = 20;

/**
 * BIGINT (positions, counts) as a JS number when it is exact — so rows read the same on SQLite and
 * PostgreSQL, `count(*)` included — and as pg's string beyond 2^53, where a number would lose digits.
 * Per pool, not pg's global parser: nothing else in the process changes.
 */
const readStoreTypes: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8_OID && format !== 'binary') {
      return (value: string): number | string => {
        const parsed = Number(value);
        return Number.isSafeInteger(parsed) ? parsed : value;
      };
    }
    return pgTypes.getTypeParser(oid, format);
  }) as CustomTypesConfig['getTypeParser'],
};

const positiveInt = (value: number | undefined, fallback: number, name: string): number => {
  const chosen = value ?? fallback;
  if (!Number.isSafeInteger(chosen) || chosen < 1) throw new RangeError(`${name} must be a positive integer, got ${chosen}`);
  return chosen;
};

const openPostgres = (url: string, options: OpenReadStoreOptions): ReadStore => {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw invalidUrl(url, 'expected postgres://user:password@host:port/database');
  }
  if (parsed.hostname === '' && !parsed.searchParams.has('host')) {
    throw invalidUrl(url, 'expected postgres://user:password@host:port/database (a host is required)');
  }
  const pool = new Pool({
    connectionString: url.trim(),
    max: positiveInt(options.poolSize, 10, 'poolSize'),
    statement_timeout: positiveInt(options.statementTimeoutMs, 30_000, 'statementTimeoutMs'),
    idle_in_transaction_session_timeout: positiveInt(options.idleInTransactionTimeoutMs, 60_000, 'idleInTransactionTimeoutMs'),
    connectionTimeoutMillis: positiveInt(options.connectTimeoutMs, 10_000, 'connectTimeoutMs'),
    application_name: options.applicationName ?? 'ticketing-read-store',
    types: readStoreTypes,
  });
  // A connection the server ends (restart, idle-in-transaction timeout, DROP DATABASE … FORCE) emits
  // 'error' on its client; unheard, Node would end the process. The query in flight, or the next one
  // on that client, fails and its transaction rolls back; the pool discards the client and the
  // runner's retry takes a fresh one.
  const ignore = (): void => undefined;
  pool.on('error', ignore);
  pool.on('connect', (client) => client.on('error', ignore));
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', close: () => db.destroy() };
};

function invalidUrl(url: string, message: string): ValidationError {
  // Only the scheme is echoed back: a database URL may carry credentials.
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url.trim())?.[0];
  const shown = scheme ? `${scheme}…` : '(no scheme)';
  return new ValidationError(`Invalid read store URL ${shown}: ${message}`, [{ field: 'readStoreUrl', message }]);
}

/**
 * The one place that maps a URL scheme to a dialect; the migrations, the projection+checkpoint
 * transaction and the queries elsewhere in this lib are dialect-neutral (the few differences in
 * locking are in read-store.schema.ts and projection-checkpoint.repository.ts).
 */
type Opener = (location: string, url: string, options: OpenReadStoreOptions) => ReadStore;

const openers: Readonly<Record<string, Opener>> = {
  memory: (_location, _url, options) => openSqlite(':memory:', options),
  sqlite: (location, url, options) => {
    if (location === ':memory:') return openSqlite(':memory:', options);
    // `sqlite:data/read.db`, `sqlite:/abs/read.db` and `sqlite:///abs/read.db` all name a file.
    const path = location.startsWith('//') ? location.slice(2) : location;
    if (path.length === 0) throw invalidUrl(url, 'sqlite: needs a file path, e.g. sqlite:./data/read.db');
    return openSqlite(resolve(path), options);
  },
  postgres: (_location, url, options) => openPostgres(url, options),
  postgresql: (_location, url, options) => openPostgres(url, options),
};

/** The read store URL schemes this build can open. */
export const supportedReadStoreSchemes = (): readonly string[] => Object.keys(openers);

/**
 * Opens the read store a URL names (TICKETING_READ_STORE) — `sqlite:<path>` (WAL, busy timeout,
 * synchronous=FULL by default; parent directories are created), `memory:` / `sqlite::memory:` for
 * tests, `postgres://user:password@host:port/database` (or `postgresql://`; a bounded `pg` Pool with
 * statement and idle-in-transaction timeouts; URL parameters such as `sslmode` or `application_name`
 * pass through to pg); any other scheme fails with the supported ones — and brings its own tables
 * (checkpoints, failures, migration records) up to date. Projections' tables are migrated by the
 * ProjectionRunner.
 */
export async function openReadStore(url: string, options: OpenReadStoreOptions = {}): Promise<ReadStore> {
  const allowed = supportedReadStoreSchemes()
    .map((scheme) => `${scheme}:`)
    .join(', ');
  const match = /^([a-z][a-z0-9+.-]*):(.*)$/i.exec(url.trim());
  if (!match) throw invalidUrl(url, `expected <scheme>:<location>; supported schemes: ${allowed}`);
  const scheme = match[1].toLowerCase();
  const open = Object.hasOwn(openers, scheme) ? openers[scheme] : undefined;
  if (!open) throw invalidUrl(url, `unsupported scheme "${scheme}:"; supported schemes: ${allowed}`);
  const store = open(match[2], url, options);
  try {
    await migrateReadStoreSchema(store.db, store.dialect, (options.clock ?? new SystemClock()).now().toISOString());
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}
