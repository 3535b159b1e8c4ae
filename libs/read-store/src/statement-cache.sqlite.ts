import type Database from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** Most distinct SQL texts kept prepared; Kysely emits one text per query shape, so a few hundred cover an app. */
const DEFAULT_CAPACITY = 500;

/**
 * Kysely's SQLite driver prepares every query it runs; preparing costs more than running the small
 * statements projections issue. This hands it a statement already prepared for the same SQL text
 * (least recently used dropped past `capacity`). A statement still iterating a streamed result is
 * busy and cannot run twice, so such a query gets a fresh one.
 */
export function withStatementCache(database: Database.Database, capacity = DEFAULT_CAPACITY): SqliteDatabase {
  const statements = new Map<string, Database.Statement>();
  return {
    close: () => database.close(),
    prepare(sql: string): SqliteStatement {
      const cached = statements.get(sql);
      if (cached !== undefined) {
        if (cached.busy) return database.prepare(sql);
        statements.delete(sql);
        statements.set(sql, cached);
        return cached;
      }
      const statement = database.prepare(sql);
      statements.set(sql, statement);
      if (statements.size > capacity) statements.delete(statements.keys().next().value as string);
      return statement;
    },
  };
}
