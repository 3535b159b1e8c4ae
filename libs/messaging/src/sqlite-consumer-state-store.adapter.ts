import Database from 'better-sqlite3';
import { preparePrivateSqliteFile } from '@ticketing/event-store';
import { SystemClock, type Clock } from '@ticketing/kernel';
import type { ConsumerStateStore } from './consumer-state.port';
import type { DeadLetterQuery, DeadLetterRecord } from './dead-letter';

export type SqliteConsumerStateStoreOptions = Readonly<{
  clock?: Clock;
  /** How long a write waits for another connection's lock before failing (default 5000 ms). */
  busyTimeoutMs?: number;
}>;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS bus_checkpoints (
  group_name TEXT PRIMARY KEY,
  position   INTEGER NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS bus_dead_letters (
  id             TEXT PRIMARY KEY,
  group_name     TEXT NOT NULL,
  position       INTEGER NOT NULL,
  event_id       TEXT NOT NULL,
  event_type     TEXT NOT NULL,
  stream_name    TEXT NOT NULL,
  error_name     TEXT NOT NULL,
  error_message  TEXT NOT NULL,
  error_stack    TEXT,
  attempts       INTEGER NOT NULL,
  parked_at      TEXT NOT NULL,
  last_failed_at TEXT NOT NULL,
  replayed_at    TEXT,
  UNIQUE (group_name, event_id)
) STRICT;

CREATE INDEX IF NOT EXISTS bus_dead_letters_by_position ON bus_dead_letters (position, group_name);
`;

type DeadLetterRow = {
  id: string;
  group_name: string;
  position: number;
  event_id: string;
  event_type: string;
  stream_name: string;
  error_name: string;
  error_message: string;
  error_stack: string | null;
  attempts: number;
  parked_at: string;
  last_failed_at: string;
  replayed_at: string | null;
};

const toRecord = (row: DeadLetterRow): DeadLetterRecord => ({
  id: row.id,
  group: row.group_name,
  position: row.position,
  eventId: row.event_id,
  eventType: row.event_type,
  streamName: row.stream_name,
  error: { name: row.error_name, message: row.error_message, stack: row.error_stack },
  attempts: row.attempts,
  parkedAt: row.parked_at,
  lastFailedAt: row.last_failed_at,
  replayedAt: row.replayed_at,
});

/**
 * ConsumerStateStore in SQLite: tables `bus_checkpoints` and `bus_dead_letters`, meant to live in
 * the event store's file. It opens its own connection (WAL lets it write beside the event store's).
 */
export class SqliteConsumerStateStore implements ConsumerStateStore {
  private readonly db: Database.Database;
  private readonly ownsConnection: boolean;
  private readonly clock: Clock;
  private readonly statements;

  /** `database`: a file path (a connection is opened and owned) or a connection to share. */
  constructor(database: string | Database.Database, options: SqliteConsumerStateStoreOptions = {}) {
    this.ownsConnection = typeof database === 'string';
    if (typeof database === 'string') preparePrivateSqliteFile(database);
    this.db = typeof database === 'string' ? new Database(database) : database;
    this.clock = options.clock ?? new SystemClock();
    if (this.ownsConnection) {
      this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5_000}`);
      this.db.pragma('journal_mode = WAL');
      // A checkpoint lost on power failure only means a redelivery, which at-least-once allows.
      this.db.pragma('synchronous = NORMAL');
    }
    this.db.exec(SCHEMA);
    this.statements = {
      loadCheckpoint: this.db.prepare<[string], { position: number }>(
        'SELECT position FROM bus_checkpoints WHERE group_name = ?',
      ),
      saveCheckpoint: this.db.prepare<[string, number, string]>(
        `INSERT INTO bus_checkpoints (group_name, position, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (group_name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at
         WHERE excluded.position > bus_checkpoints.position`,
      ),
      resetCheckpoint: this.db.prepare<[string, number, string]>(
        `INSERT INTO bus_checkpoints (group_name, position, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (group_name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
      ),
      park: this.db.prepare<DeadLetterRow>(
        `INSERT INTO bus_dead_letters (id, group_name, position, event_id, event_type, stream_name, error_name,
           error_message, error_stack, attempts, parked_at, last_failed_at, replayed_at)
         VALUES (@id, @group_name, @position, @event_id, @event_type, @stream_name, @error_name,
           @error_message, @error_stack, @attempts, @parked_at, @last_failed_at, NULL)
         ON CONFLICT (group_name, event_id) DO UPDATE SET
           error_name = excluded.error_name, error_message = excluded.error_message,
           error_stack = excluded.error_stack, attempts = excluded.attempts,
           last_failed_at = excluded.last_failed_at, replayed_at = NULL`,
      ),
      getByGroupAndEvent: this.db.prepare<[string, string], DeadLetterRow>(
        'SELECT * FROM bus_dead_letters WHERE group_name = ? AND event_id = ?',
      ),
      getParked: this.db.prepare<[string], DeadLetterRow>('SELECT * FROM bus_dead_letters WHERE id = ?'),
      listParked: this.db.prepare<{ group: string | null; includeReplayed: number; limit: number }, DeadLetterRow>(
        `SELECT * FROM bus_dead_letters
         WHERE (@group IS NULL OR group_name = @group) AND (@includeReplayed = 1 OR replayed_at IS NULL)
         ORDER BY position, group_name LIMIT @limit`,
      ),
      markReplayed: this.db.prepare<[string, string]>('UPDATE bus_dead_letters SET replayed_at = ? WHERE id = ?'),
      countParked: this.db.prepare<[], { group_name: string; parked: number }>(
        'SELECT group_name, COUNT(*) AS parked FROM bus_dead_letters WHERE replayed_at IS NULL GROUP BY group_name',
      ),
    };
  }

  async loadCheckpoint(group: string): Promise<number> {
    return this.statements.loadCheckpoint.get(group)?.position ?? 0;
  }

  async saveCheckpoint(group: string, position: number): Promise<void> {
    this.statements.saveCheckpoint.run(group, position, this.clock.now().toISOString());
  }

  async resetCheckpoint(group: string, position: number): Promise<void> {
    this.statements.resetCheckpoint.run(group, position, this.clock.now().toISOString());
  }

  async park(record: DeadLetterRecord): Promise<DeadLetterRecord> {
    const upsert = this.db.transaction((r: DeadLetterRecord) => {
      this.statements.park.run({
        id: r.id,
        group_name: r.group,
        position: r.position,
        event_id: r.eventId,
        event_type: r.eventType,
        stream_name: r.streamName,
        error_name: r.error.name,
        error_message: r.error.message,
        error_stack: r.error.stack,
        attempts: r.attempts,
        parked_at: r.parkedAt,
        last_failed_at: r.lastFailedAt,
        replayed_at: null,
      });
      return this.statements.getByGroupAndEvent.get(r.group, r.eventId);
    });
    const row = upsert(record);
    if (!row) throw new Error(`Dead letter for ${record.group}/${record.eventId} vanished while parking`);
    return toRecord(row);
  }

  async listParked(query: DeadLetterQuery = {}): Promise<DeadLetterRecord[]> {
    return this.statements.listParked
      .all({ group: query.group ?? null, includeReplayed: query.includeReplayed ? 1 : 0, limit: query.limit ?? -1 })
      .map(toRecord);
  }

  async getParked(id: string): Promise<DeadLetterRecord | undefined> {
    const row = this.statements.getParked.get(id);
    return row ? toRecord(row) : undefined;
  }

  async markReplayed(id: string, at: Date): Promise<void> {
    this.statements.markReplayed.run(at.toISOString(), id);
  }

  async countParked(): Promise<ReadonlyMap<string, number>> {
    return new Map(this.statements.countParked.all().map((row) => [row.group_name, row.parked]));
  }

  async close(): Promise<void> {
    if (this.ownsConnection && this.db.open) this.db.close();
  }
}
