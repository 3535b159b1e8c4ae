import { resolve } from 'node:path';
import { BroadcastChannel } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { SystemClock, type Clock } from '@ticketing/kernel';
import {
  concurrencyError,
  expectationHolds,
  NO_STREAM_REVISION,
  resolveRepeatedAppend,
  validateAppend,
  type RecordedPlace,
} from '../append-rules';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  EventSubscription,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeOptions,
} from '../event-store.port';
import { chainEvents, GENESIS_HASH } from '../hash-chain';
import {
  AppendNotifier,
  CatchUpSubscription,
  DEFAULT_PAGE_SIZE,
  readAllPaged,
  readStreamPaged,
  type GlobalPage,
  type NormalizedFilter,
  type PagedEventLog,
} from '../paged-reading';
import { notifyAppended, type CommonEventStoreOptions } from '../store-options';
import { preparePrivateSqliteFile } from './private-files';

/**
 * FULL: a commit is fsynced before the append resolves, so an acknowledged event survives power
 * loss. NORMAL (WAL): survives a process kill, but the last commits may be lost on power loss.
 */
export type SqliteSynchronous = 'FULL' | 'NORMAL';

export type SqliteEventStoreOptions = CommonEventStoreOptions &
  Readonly<{
    /** Database file; created with its tables when missing. */
    path: string;
    /** Default FULL. */
    synchronous?: SqliteSynchronous;
    /**
     * How long a writer waits for another connection's write transaction (another process sharing
     * the file: the CLI next to the server) before failing with SQLITE_BUSY. Default 5000 ms. The
     * wait blocks this process's event loop: better-sqlite3 is synchronous.
     */
    busyTimeoutMs?: number;
    /** How often an idle subscription looks for events appended by other processes. Default 250 ms. */
    pollIntervalMs?: number;
  }>;

/** The table's name is prefixed so the read store may share the file (docs/architecture.md §9). */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS es_events (
  global_position INTEGER PRIMARY KEY,
  event_id        TEXT    NOT NULL UNIQUE,
  stream_name     TEXT    NOT NULL,
  stream_revision INTEGER NOT NULL,
  type            TEXT    NOT NULL,
  schema_version  INTEGER NOT NULL,
  data            TEXT    NOT NULL,
  metadata        TEXT    NOT NULL,
  recorded_at     TEXT    NOT NULL,
  prev_hash       TEXT    NOT NULL,
  hash            TEXT    NOT NULL,
  UNIQUE (stream_name, stream_revision)
) STRICT;
`;

const COLUMNS =
  'global_position, event_id, stream_name, stream_revision, type, schema_version, data, metadata, recorded_at, prev_hash, hash';

type EventRow = Readonly<{
  global_position: number;
  event_id: string;
  stream_name: string;
  stream_revision: number;
  type: string;
  schema_version: number;
  data: string;
  metadata: string;
  recorded_at: string;
  prev_hash: string;
  hash: string;
}>;

function prepareStatements(db: Database.Database) {
  return {
    lastOfStream: db.prepare<[string], { stream_revision: number; hash: string }>(
      'SELECT stream_revision, hash FROM es_events WHERE stream_name = ? ORDER BY stream_revision DESC LIMIT 1',
    ),
    insert: db.prepare<[string, string, number, string, number, string, string, string, string, string]>(
      `INSERT INTO es_events (event_id, stream_name, stream_revision, type, schema_version, data, metadata, recorded_at, prev_hash, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    findById: db.prepare<[string], Pick<EventRow, 'stream_name' | 'stream_revision' | 'global_position'>>(
      'SELECT stream_name, stream_revision, global_position FROM es_events WHERE event_id = ?',
    ),
    readStream: db.prepare<[string, number, number], EventRow>(
      `SELECT ${COLUMNS} FROM es_events WHERE stream_name = ? AND stream_revision >= ? ORDER BY stream_revision LIMIT ?`,
    ),
    readAll: db.prepare<[number, number], EventRow>(
      `SELECT ${COLUMNS} FROM es_events WHERE global_position > ? ORDER BY global_position LIMIT ?`,
    ),
    head: db.prepare('SELECT coalesce(max(global_position), 0) AS head FROM es_events'),
    ping: db.prepare('SELECT 1'),
  };
}

type AppendOutcome =
  | Readonly<{ kind: 'appended'; result: AppendResult; count: number }>
  | Readonly<{ kind: 'expectation_failed'; current: number }>;

const toRecordedEvent = (row: EventRow): RecordedEvent => ({
  id: row.event_id,
  type: row.type,
  schemaVersion: row.schema_version,
  data: JSON.parse(row.data),
  metadata: JSON.parse(row.metadata),
  streamName: row.stream_name,
  streamRevision: row.stream_revision,
  globalPosition: row.global_position,
  recordedAt: row.recorded_at,
  prevHash: row.prev_hash,
  hash: row.hash,
});

// By code, not by class: the native addon keeps the SqliteError class (and so the Error realm) of the
// first copy of better-sqlite3 loaded in the process, which another module registry (Jest) does not share.
type PendingAppend = Readonly<{
  streamName: string;
  events: readonly NewEvent[];
  expected: ExpectedRevision;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}>;

type AppendAttempt = Readonly<{ outcome?: AppendOutcome; duplicate?: unknown }>;

const isUniqueViolation = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE';

/**
 * The embedded event store: one SQLite file in WAL mode, shareable by several processes.
 *
 * Global positions are the table's INTEGER PRIMARY KEY. Every append runs in a BEGIN IMMEDIATE
 * transaction, so writers (in any process) hold SQLite's single write lock one at a time and
 * commit in position order, and a failed append rolls back before anyone sees its positions: a
 * reader can never see position N+1 before N, and positions have no holes.
 */
export class SqliteEventStore implements EventStore, PagedEventLog {
  private readonly db: Database.Database;
  private readonly clock: Clock;
  private readonly pageSize: number;
  private readonly pollIntervalMs: number;
  private readonly notifier = new AppendNotifier();
  private readonly subscriptions = new Set<CatchUpSubscription>();
  private readonly filteredStatements = new Map<string, Database.Statement<unknown[], EventRow>>();
  private readonly statements: ReturnType<typeof prepareStatements>;
  private readonly appendTransaction: Database.Transaction<
    (streamName: string, events: readonly NewEvent[], expected: ExpectedRevision) => AppendOutcome
  >;
  private readonly groupTransaction: Database.Transaction<(batch: readonly PendingAppend[]) => AppendAttempt[]>;
  private readonly pendingAppends: PendingAppend[] = [];
  /**
   * Stores on the same file in other threads of this process (`ticketing start` runs consumers on a
   * worker thread) hear of each commit at once instead of at their next poll.
   */
  private readonly appendsInProcess: BroadcastChannel;

  constructor(private readonly options: SqliteEventStoreOptions) {
    this.clock = options.clock ?? new SystemClock();
    this.pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    const busyTimeoutMs = options.busyTimeoutMs ?? 5_000;
    // Events hold personal data: the file and its -wal/-shm are the owner's only.
    preparePrivateSqliteFile(options.path);
    this.db = new Database(options.path, { timeout: busyTimeoutMs });
    try {
      this.db.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
      const mode = this.db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal') throw new Error(`Could not put ${options.path} in WAL mode (got ${String(mode)})`);
      this.db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
      this.db.exec(SCHEMA);
      this.statements = prepareStatements(this.db);
    } catch (error) {
      this.db.close();
      throw error;
    }
    this.appendTransaction = this.db.transaction((streamName, events, expected) =>
      this.appendInTransaction(streamName, events, expected),
    );
    this.groupTransaction = this.db.transaction((batch: readonly PendingAppend[]) => batch.map((append) => this.attemptAppend(append)));
    this.appendsInProcess = new BroadcastChannel(`ticketing-event-store:${resolve(options.path)}`);
    this.appendsInProcess.onmessage = () => this.notifier.notify();
    // Listening must not keep a process alive that has nothing else to do.
    this.appendsInProcess.unref();
  }

  /**
   * Group commit: appends that arrive in the same event-loop turn share one write transaction and so
   * one fsync, each inside its own savepoint, so one append failing never affects another. An append
   * is acknowledged only after the shared transaction committed.
   */
  async append(streamName: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    const expected = options.expectedRevision;
    validateAppend(streamName, events, expected);
    return new Promise<AppendResult>((resolve, reject) => {
      this.pendingAppends.push({ streamName, events, expected, resolve, reject });
      if (this.pendingAppends.length === 1) setImmediate(() => this.flushAppends());
    });
  }

  private flushAppends(): void {
    const batch = this.pendingAppends.splice(0);
    let attempts: readonly AppendAttempt[];
    try {
      attempts = this.groupTransaction.immediate(batch);
    } catch (error) {
      for (const append of batch) append.reject(error);
      return;
    }
    if (attempts.some((attempt) => attempt.outcome?.kind === 'appended')) {
      this.notifier.notify();
      this.appendsInProcess.postMessage(null);
    }
    batch.forEach((append, index) => {
      try {
        append.resolve(this.settle(append, attempts[index]));
      } catch (error) {
        append.reject(error);
      }
    });
  }

  private attemptAppend(append: PendingAppend): AppendAttempt {
    try {
      // Nested in the group's transaction, better-sqlite3 runs this one in a savepoint of its own.
      return { outcome: this.appendTransaction(append.streamName, append.events, append.expected) };
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      return { duplicate: error };
    }
  }

  private settle({ streamName, events, expected }: PendingAppend, { outcome, duplicate }: AppendAttempt): AppendResult {
    if (outcome?.kind === 'appended') {
      notifyAppended(this.options.onAppended, streamName, outcome.count);
      return outcome.result;
    }
    // Rolled back: either the expectation failed or an id is already recorded. Both may be a retry
    // of an append whose acknowledgement was lost; recorded events never change, so a plain read decides.
    const repeated = resolveRepeatedAppend(streamName, events, expected, (id) => this.findPlace(id));
    if (repeated) return repeated;
    if (outcome) throw concurrencyError(streamName, expected, outcome.current);
    throw duplicate;
  }

  readStream(streamName: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent> {
    return readStreamPaged(this, streamName, options, this.pageSize);
  }

  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent> {
    return readAllPaged(this, options, this.pageSize);
  }

  subscribe(options?: SubscribeOptions): EventSubscription {
    const subscription = new CatchUpSubscription(
      this,
      this.notifier,
      options,
      { pageSize: this.pageSize, clock: this.clock, pollIntervalMs: this.pollIntervalMs },
      (closed) => this.subscriptions.delete(closed),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async headPosition(): Promise<number> {
    return this.head();
  }

  async ping(): Promise<void> {
    this.statements.ping.get();
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    this.appendsInProcess.close();
    this.db.close();
  }

  /** @internal paging primitive for the shared readers */
  readStreamPage(streamName: string, fromRevision: number, limit: number): readonly RecordedEvent[] {
    return this.statements.readStream.all(streamName, fromRevision, limit).map(toRecordedEvent);
  }

  /** @internal paging primitive for the shared readers */
  readAllPage(afterPosition: number, filter: NormalizedFilter | undefined, limit: number): GlobalPage {
    if (!filter) {
      const events = this.statements.readAll.all(afterPosition, limit).map(toRecordedEvent);
      return { events, scannedTo: events.length ? events[events.length - 1].globalPosition : afterPosition };
    }
    // A filtered query scans a bounded window of positions, so a rare event type costs a bounded
    // amount of work per page instead of one query over the rest of the log. The head is read
    // first: everything at or below it is committed and visible to the query that follows.
    const head = this.head();
    const windowEnd = Math.min(head, afterPosition + Math.max(limit * 10, 5_000));
    if (windowEnd <= afterPosition) return { events: [], scannedTo: afterPosition };
    const rows = this.filteredStatement(filter).all(
      afterPosition,
      windowEnd,
      ...(filter.streamPrefixes ?? []),
      ...(filter.eventTypes ?? []),
      limit,
    );
    const events = rows.map(toRecordedEvent);
    return { events, scannedTo: events.length === limit ? events[limit - 1].globalPosition : windowEnd };
  }

  private appendInTransaction(streamName: string, events: readonly NewEvent[], expected: ExpectedRevision): AppendOutcome {
    const last = this.statements.lastOfStream.get(streamName);
    const current = last ? last.stream_revision : NO_STREAM_REVISION;
    if (!expectationHolds(expected, current)) return { kind: 'expectation_failed', current };

    const recordedAt = this.clock.now().toISOString();
    const chained = chainEvents(streamName, last ? last.hash : GENESIS_HASH, current + 1, events);
    const insert = this.statements.insert;
    let lastPosition = 0;
    for (const event of chained) {
      lastPosition = Number(
        insert.run(
          event.id,
          streamName,
          event.streamRevision,
          event.type,
          event.schemaVersion,
          event.dataJson,
          event.metadataJson,
          recordedAt,
          event.prevHash,
          event.hash,
        ).lastInsertRowid,
      );
    }
    return {
      kind: 'appended',
      count: chained.length,
      result: { nextExpectedRevision: current + chained.length, lastGlobalPosition: lastPosition },
    };
  }

  private findPlace(id: string): RecordedPlace | undefined {
    const row = this.statements.findById.get(id);
    return row && { streamName: row.stream_name, streamRevision: row.stream_revision, globalPosition: row.global_position };
  }

  private head(): number {
    return (this.statements.head.get() as { head: number }).head;
  }

  private filteredStatement(filter: NormalizedFilter): Database.Statement<unknown[], EventRow> {
    const prefixes = filter.streamPrefixes?.length ?? 0;
    const types = filter.eventTypes?.length ?? 0;
    const key = `${prefixes}:${types}`;
    let statement = this.filteredStatements.get(key);
    if (!statement) {
      // instr(...) = 1 is "starts with", case-sensitive and independent of how lengths are counted.
      const prefixClause = prefixes ? `AND (${Array(prefixes).fill('instr(stream_name, ?) = 1').join(' OR ')})` : '';
      const typeClause = types ? `AND type IN (${Array(types).fill('?').join(', ')})` : '';
      statement = this.db.prepare<unknown[], EventRow>(
        `SELECT ${COLUMNS} FROM es_events
         WHERE global_position > ? AND global_position <= ? ${prefixClause} ${typeClause}
         ORDER BY global_position LIMIT ?`,
      );
      this.filteredStatements.set(key, statement);
    }
    return statement;
  }
}

/** DDL of the event table, for tools (and the benchmark's raw baseline) that need the same shape. */
export const SQLITE_EVENT_STORE_SCHEMA = SCHEMA;
