import type { EventMetadata } from '@ticketing/kernel';

/**
 * What the appender believes about the stream: the exact revision of its last event (0-based),
 * that it does not exist yet, that it exists with any revision, or no expectation at all.
 */
export type ExpectedRevision = number | 'no_stream' | 'stream_exists' | 'any';

/**
 * An event to append; `id` makes re-appends idempotent. Ids are unique within a stream on every
 * adapter; SQLite and memory also refuse an id already recorded in another stream (ConflictError),
 * EventStoreDB cannot (it keeps no index of ids across streams).
 */
export type NewEvent = Readonly<{
  id: string;
  type: string;
  schemaVersion: number;
  data: Readonly<Record<string, unknown>>;
  metadata: EventMetadata;
}>;

/** An event as stored: with its place in the stream, in the global log, and in the hash chain. */
export type RecordedEvent = Readonly<{
  id: string;
  type: string;
  schemaVersion: number;
  data: Readonly<Record<string, unknown>>;
  metadata: EventMetadata;
  streamName: string;
  /** 0-based position in its stream. */
  streamRevision: number;
  /**
   * Position in the global log: monotonic, and never skipped over by a reader. Not necessarily dense:
   * 1, 2, 3… on SQLite and memory, byte offsets into the log on EventStoreDB.
   */
  globalPosition: number;
  recordedAt: string;
  prevHash: string;
  hash: string;
}>;

export type AppendResult = Readonly<{
  /** Revision of the last event now in the stream: pass it as the next expected revision. */
  nextExpectedRevision: number;
  /** Global position of the last appended event. */
  lastGlobalPosition: number;
}>;

export type AppendOptions = Readonly<{ expectedRevision: ExpectedRevision }>;

export type ReadStreamOptions = Readonly<{
  /** First revision to read (inclusive), default 0. */
  from?: number;
  /** Most events to return, default unbounded (read in pages). */
  max?: number;
}>;

/** Which events a global reader wants; an empty or absent list means all. */
export type EventFilter = Readonly<{
  streamPrefixes?: readonly string[];
  eventTypes?: readonly string[];
}>;

export type ReadAllOptions = Readonly<{
  /**
   * Read events with a global position strictly greater than this; default 0 (from the start).
   * Pass 0 or a position the store reported (an event's globalPosition, headPosition(), an
   * AppendResult's lastGlobalPosition): positions are sparse on some stores, so arithmetic on them
   * (`position - 1`) names no event, and EventStoreDB refuses it.
   */
  fromPosition?: number;
  filter?: EventFilter;
  max?: number;
}>;

export type SubscribeOptions = Readonly<{
  /** Deliver events with a global position strictly greater than this (a checkpoint: 0 or a reported position). */
  fromPosition?: number;
  filter?: EventFilter;
}>;

/** A catch-up subscription: historic events first, then live ones, in global order, no gaps or duplicates. */
export interface EventSubscription extends AsyncIterable<RecordedEvent> {
  close(): Promise<void>;
}

/** The event store port (docs/architecture.md §4). Every adapter passes the same contract suite. */
export interface EventStore {
  /** Append atomically; throws ConcurrencyError when the expectation does not hold. */
  append(streamName: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult>;
  /** Stream events in revision order, read page by page. */
  readStream(streamName: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent>;
  /** Events of the global log in position order, read page by page. */
  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent>;
  subscribe(options?: SubscribeOptions): EventSubscription;
  /** Position of the newest event in the global log (0 when empty). */
  headPosition(): Promise<number>;
  /** Cheap liveness probe for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** DI token for the EventStore port. */
export const EVENT_STORE = Symbol('EventStore');

/**
 * DI token for the event store as recorded: personal data still sealed, so hashes recompute. For
 * chain verification and signed exports only; everything else reads EVENT_STORE.
 */
export const STORED_EVENT_STORE = Symbol('StoredEventStore');
