import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { type Clock, SystemClock, ValidationError } from '@ticketing/kernel';
import { migrateReadStoreSchema } from './read-store.schema';

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
}>;

const openSqlite = (path: string, options: OpenReadStoreOptions): ReadStore => {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
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
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database }) });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
};

function invalidUrl(url: string, message: string): ValidationError {
  // Only the scheme is echoed back: a database URL may carry credentials.
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url.trim())?.[0];
  const shown = scheme ? `${scheme}…` : '(no scheme)';
  return new ValidationError(`Invalid read store URL ${shown}: ${message}`, [{ field: 'readStoreUrl', message }]);
}

/**
 * The one place that maps a URL scheme to a dialect. PostgreSQL plugs in here as `postgres` /
 * `postgresql` (Kysely's PostgresDialect over a `pg` Pool, dialect 'postgres'); the migrations, the
 * projection+checkpoint transaction and every query elsewhere in this lib are dialect-neutral.
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
};

/** The read store URL schemes this build can open. */
export const supportedReadStoreSchemes = (): readonly string[] => Object.keys(openers);

/**
 * Opens the read store a URL names (TICKETING_READ_STORE) — `sqlite:<path>` (WAL, busy timeout,
 * synchronous=FULL by default; parent directories are created), `memory:` / `sqlite::memory:` for
 * tests; any other scheme fails with the supported ones — and brings its own tables (checkpoints,
 * failures, migration records) up to date. Projections' tables are migrated by the ProjectionRunner.
 */
export async function openReadStore(url: string, options: OpenReadStoreOptions = {}): Promise<ReadStore> {
  const allowed = supportedReadStoreSchemes()
    .map((scheme) => `${scheme}:`)
    .join(', ');
  const match = /^([a-z][a-z0-9+.-]*):(.*)$/i.exec(url.trim());
  if (!match) throw invalidUrl(url, `expected <scheme>:<location>; supported schemes: ${allowed}`);
  const scheme = match[1].toLowerCase();
  const open = Object.hasOwn(openers, scheme) ? openers[scheme] : undefined;
  if (!open) {
    const later = scheme === 'postgres' || scheme === 'postgresql' ? ' (PostgreSQL is not available in this build yet)' : '';
    throw invalidUrl(url, `unsupported scheme "${scheme}:"${later}; supported schemes: ${allowed}`);
  }
  const store = open(match[2], url, options);
  try {
    await migrateReadStoreSchema(store.db, (options.clock ?? new SystemClock()).now().toISOString());
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}
