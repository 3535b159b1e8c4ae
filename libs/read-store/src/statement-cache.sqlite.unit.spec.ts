import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { withStatementCache } from './statement-cache.sqlite';

describe('withStatementCache', () => {
  let database: Database.Database;
  beforeEach(() => {
    database = new Database(':memory:');
    database.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  });
  afterEach(() => {
    if (database.open) database.close();
  });

  it('hands out the same prepared statement for the same SQL text', () => {
    const cached = withStatementCache(database);
    const first = cached.prepare('SELECT v FROM t WHERE id = ?');
    expect(cached.prepare('SELECT v FROM t WHERE id = ?')).toBe(first);
    expect(cached.prepare('SELECT id FROM t')).not.toBe(first);
  });

  it('drops the least recently used statement past its capacity', () => {
    const cached = withStatementCache(database, 2);
    const a = cached.prepare('SELECT 1');
    const b = cached.prepare('SELECT 2');
    expect(cached.prepare('SELECT 1')).toBe(a); // now b is the least recently used
    cached.prepare('SELECT 3');
    expect(cached.prepare('SELECT 1')).toBe(a);
    expect(cached.prepare('SELECT 2')).not.toBe(b);
  });

  it('prepares a fresh statement while the cached one is still iterating', () => {
    database.exec("INSERT INTO t (v) VALUES ('a'), ('b')");
    const cached = withStatementCache(database);
    const streaming = cached.prepare('SELECT v FROM t ORDER BY id');
    const iterator = streaming.iterate([]);
    iterator.next();
    const second = cached.prepare('SELECT v FROM t ORDER BY id');
    expect(second).not.toBe(streaming);
    expect(second.all([])).toEqual([{ v: 'a' }, { v: 'b' }]);
    iterator.return?.();
  });

  it('serves Kysely: repeated queries see the rows written between them, and schema changes re-prepare', async () => {
    const db = new Kysely<{ t: { id: number; v: string } }>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
    await db.insertInto('t').values({ id: 1, v: 'a' }).execute();
    await db.insertInto('t').values({ id: 2, v: 'b' }).execute();
    expect(await db.selectFrom('t').select('v').orderBy('id').execute()).toEqual([{ v: 'a' }, { v: 'b' }]);
    await sql`ALTER TABLE t ADD COLUMN w TEXT`.execute(db);
    expect(await db.selectFrom('t').select('v').orderBy('id').execute()).toEqual([{ v: 'a' }, { v: 'b' }]);
    expect(await db.selectFrom('t').selectAll().where('id', '=', 2).execute()).toEqual([{ id: 2, v: 'b', w: null }]);
    await db.destroy();
    expect(database.open).toBe(false);
  });
});
