import { randomBytes, randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import type { SubjectKey, SubjectKeyStore } from './subject-key.store';

export type PostgresSubjectKeyStoreOptions = Readonly<{
  connectionString: string;
  /** Connections this process holds, default 5. */
  poolSize?: number;
  now?: () => string;
}>;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ticketing_subject_keys (
  key_id     TEXT PRIMARY KEY,
  subject    TEXT NOT NULL,
  material   BYTEA,
  created_at TEXT NOT NULL,
  erased_at  TEXT,
  CHECK ((material IS NULL) = (erased_at IS NOT NULL))
);
CREATE UNIQUE INDEX IF NOT EXISTS ticketing_subject_keys_live ON ticketing_subject_keys (subject) WHERE erased_at IS NULL;
CREATE INDEX IF NOT EXISTS ticketing_subject_keys_by_subject ON ticketing_subject_keys (subject, created_at);
`;

/**
 * The key table every service shares in production (PostgreSQL, apart from the rebuildable read
 * models). An erasure nulls the key and vacuums the table so the old row version is reclaimed;
 * backups and WAL archives taken before it still hold the key until they expire.
 */
export class PostgresSubjectKeyStore implements SubjectKeyStore {
  private readonly pool: Pool;
  private readonly now: () => string;
  private ready: Promise<void> | undefined;

  constructor(options: PostgresSubjectKeyStoreOptions) {
    this.pool = new Pool({ connectionString: options.connectionString, max: options.poolSize ?? 5, application_name: 'ticketing-key-store' });
    // A connection the server ends emits 'error' on its idle client; unheard, Node would exit.
    this.pool.on('error', () => undefined);
    this.now = options.now ?? (() => new Date().toISOString());
  }

  async currentKey(subject: string): Promise<SubjectKey> {
    await this.schema();
    const live = () =>
      this.pool.query<{ key_id: string; material: Buffer }>('SELECT key_id, material FROM ticketing_subject_keys WHERE subject = $1 AND erased_at IS NULL', [subject]);
    let { rows } = await live();
    if (rows.length === 0) {
      await this.pool.query(
        'INSERT INTO ticketing_subject_keys (key_id, subject, material, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (subject) WHERE erased_at IS NULL DO NOTHING',
        [randomUUID(), subject, randomBytes(32), this.now()],
      );
      ({ rows } = await live());
    }
    return { id: rows[0].key_id, material: rows[0].material };
  }

  async keyById(keyId: string): Promise<SubjectKey | undefined> {
    await this.schema();
    const { rows } = await this.pool.query<{ material: Buffer | null }>('SELECT material FROM ticketing_subject_keys WHERE key_id = $1', [keyId]);
    return rows[0]?.material ? { id: keyId, material: rows[0].material } : undefined;
  }

  async erase(subject: string, erasedAt: string): Promise<number> {
    await this.schema();
    const { rowCount } = await this.pool.query(
      'UPDATE ticketing_subject_keys SET material = NULL, erased_at = $1 WHERE subject = $2 AND erased_at IS NULL',
      [erasedAt, subject],
    );
    await this.pool.query('VACUUM ticketing_subject_keys');
    return rowCount ?? 0;
  }

  async keysOf(subject: string) {
    await this.schema();
    const { rows } = await this.pool.query<{ key_id: string; created_at: string; erased_at: string | null }>(
      'SELECT key_id, created_at, erased_at FROM ticketing_subject_keys WHERE subject = $1 ORDER BY created_at DESC',
      [subject],
    );
    return rows.map((row) => ({ id: row.key_id, createdAt: row.created_at, erasedAt: row.erased_at }));
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private schema(): Promise<void> {
    this.ready ??= this.createSchema().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  // Services start together: CREATE … IF NOT EXISTS races in PostgreSQL (a unique violation in its
  // catalog), so the first creation is serialized by a transaction-scoped advisory lock.
  private async createSchema(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query("SELECT pg_advisory_xact_lock(hashtext('ticketing_subject_keys'))");
      await client.query(SCHEMA);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}
