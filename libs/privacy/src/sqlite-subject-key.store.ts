import { randomBytes, randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { preparePrivateSqliteFile } from '@ticketing/event-store';
import type { SubjectKey, SubjectKeyStore } from './subject-key.store';

export type SqliteSubjectKeyStoreOptions = Readonly<{
  path: string;
  /** How long a write waits for another process's lock, default 5000 ms. */
  busyTimeoutMs?: number;
  now?: () => string;
}>;

// One live key per subject (the partial unique index); erased rows keep id and dates, never material.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS subject_keys (
  key_id     TEXT PRIMARY KEY,
  subject    TEXT NOT NULL,
  material   BLOB,
  created_at TEXT NOT NULL,
  erased_at  TEXT,
  CHECK ((material IS NULL) = (erased_at IS NOT NULL))
) STRICT;
CREATE UNIQUE INDEX IF NOT EXISTS subject_keys_live ON subject_keys (subject) WHERE erased_at IS NULL;
CREATE INDEX IF NOT EXISTS subject_keys_by_subject ON subject_keys (subject, created_at);
`;

type KeyRow = { key_id: string; material: Buffer | null };

/**
 * The key table of the embedded default, in its own SQLite file (owner-only, like the events).
 * `secure_delete` zeroes a destroyed key's bytes in the page, and each erasure checkpoints and
 * truncates the WAL, so no copy of the key stays in the file or its journal.
 */
export class SqliteSubjectKeyStore implements SubjectKeyStore {
  private readonly db: Database.Database;
  private readonly now: () => string;
  private readonly insertKey: Database.Statement<[string, string, Buffer, string]>;
  private readonly selectLive: Database.Statement<[string], KeyRow>;
  private readonly selectById: Database.Statement<[string], KeyRow>;

  constructor(options: SqliteSubjectKeyStoreOptions) {
    preparePrivateSqliteFile(options.path);
    this.db = new Database(options.path);
    this.now = options.now ?? (() => new Date().toISOString());
    try {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.pragma('secure_delete = ON');
      this.db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000))}`);
      this.db.exec(SCHEMA);
    } catch (error) {
      this.db.close();
      throw error;
    }
    // Two processes may create a subject's first key at once: the index lets one insert win, both read it.
    this.insertKey = this.db.prepare(
      'INSERT INTO subject_keys (key_id, subject, material, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (subject) WHERE erased_at IS NULL DO NOTHING',
    );
    this.selectLive = this.db.prepare('SELECT key_id, material FROM subject_keys WHERE subject = ? AND erased_at IS NULL');
    this.selectById = this.db.prepare('SELECT key_id, material FROM subject_keys WHERE key_id = ?');
  }

  async currentKey(subject: string): Promise<SubjectKey> {
    let row = this.selectLive.get(subject);
    if (!row) {
      this.insertKey.run(randomUUID(), subject, randomBytes(32), this.now());
      row = this.selectLive.get(subject)!;
    }
    return { id: row.key_id, material: row.material! };
  }

  async keyById(keyId: string): Promise<SubjectKey | undefined> {
    const row = this.selectById.get(keyId);
    return row?.material ? { id: row.key_id, material: row.material } : undefined;
  }

  async erase(subject: string, erasedAt: string): Promise<number> {
    const { changes } = this.db
      .prepare('UPDATE subject_keys SET material = NULL, erased_at = ? WHERE subject = ? AND erased_at IS NULL')
      .run(erasedAt, subject);
    // Copies of the key's page in the WAL go with the truncation; a reader in another process can
    // hold the checkpoint back, so it is retried briefly (the next erasure or restart finishes it).
    for (let attempt = 0; attempt < 5; attempt++) {
      const [result] = this.db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
      if (result.busy === 0) break;
    }
    return changes;
  }

  async keysOf(subject: string) {
    return this.db
      .prepare<[string], { key_id: string; created_at: string; erased_at: string | null }>(
        'SELECT key_id, created_at, erased_at FROM subject_keys WHERE subject = ? ORDER BY created_at DESC, rowid DESC',
      )
      .all(subject)
      .map((row) => ({ id: row.key_id, createdAt: row.created_at, erasedAt: row.erased_at }));
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
