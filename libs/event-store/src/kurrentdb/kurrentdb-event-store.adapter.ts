import {
  BACKWARDS,
  END,
  ErrorType,
  FORWARDS,
  isCommandError,
  jsonEvent,
  KurrentDBClient,
  NO_STREAM,
  WrongExpectedVersionError,
  type AllStreamResolvedEvent,
  type Filter,
  type JSONType,
  type Position,
  type ReadPosition,
  type ResolvedEvent,
} from '@kurrent/kurrentdb-client';
import { SystemClock, ValidationError, type Clock } from '@ticketing/kernel';
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
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeOptions,
} from '../event-store.port';
import { chainEvents, GENESIS_HASH } from '../hash-chain';
import { DEFAULT_PAGE_SIZE, matchesFilter, normalizeFilter, type NormalizedFilter } from '../paged-reading';
import { notifyAppended, type CommonEventStoreOptions } from '../store-options';
import { decodeServerEvent, serverEventId, storedMetadataOf, StreamNames, type ServerEvent } from './kurrentdb-event.codec';
import { toKernelError, withDeadline } from './kurrentdb-errors';
import { serverFilterFor } from './kurrentdb-filter';
import { positionAfter } from './kurrentdb-position';
import { ReconnectingSubscription, type ReconnectPolicy, type SeenEvent, type ServerSubscription } from './kurrentdb-subscription';

export type KurrentDbEventStoreOptions = CommonEventStoreOptions &
  Readonly<{
    /**
     * `kurrentdb://`, `kurrentdb+discover://`, `esdb://` or `esdb+discover://` connection string,
     * e.g. `kurrentdb://localhost:2113?tls=false`. `esdb` schemes are passed on as `kurrentdb`.
     */
    connectionString: string;
    /** Deadline of every call to the server, in ms of the injected clock; default 10 000. */
    deadlineMs?: number;
    /**
     * Prefix of every stream this store writes and of the only streams it reads, so deployments or
     * test runs can share one database. Default none (every non-system stream is ours).
     */
    streamNamespace?: string;
    /** Waits between attempts to resubscribe after a dropped subscription; default 100 ms doubling to 5 s. */
    reconnect?: Partial<ReconnectPolicy>;
    /** Called on every dropped subscription that will be resumed: a hook for logs and metrics. */
    onSubscriptionDropped?: (error: unknown, attempt: number) => void;
    /**
     * How many times an append re-reads the stream and tries again when another writer got in
     * between its read and its write while the caller's expectation still holds; default 20.
     */
    maxAppendAttempts?: number;
  }>;

const DEFAULT_DEADLINE_MS = 10_000;
const SCAN_PAGE_SIZE = 256;
const DEFAULT_RECONNECT: ReconnectPolicy = { initialDelayMs: 100, maxDelayMs: 5_000 };

/** The client warns on every `esdb://` string; it names the same protocol as `kurrentdb://`. */
export function normalizeConnectionString(connectionString: string): string {
  return connectionString
    .trim()
    .replace(/^esdb(\+discover)?:\/\//i, (_, discover: string | undefined) => `kurrentdb${discover ?? ''}://`);
}

const checkNonNegativeInteger = (field: string, value: number | undefined): void => {
  if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
    throw new ValidationError(`${field} must be a non-negative integer`, [{ field, message: 'must be a non-negative integer' }]);
  }
};

const isStreamNotFound = (error: unknown): boolean =>
  error instanceof Error && isCommandError(error) && error.type === ErrorType.STREAM_NOT_FOUND;

/** (commit, prepare) order: the order of $all. */
const compare = (a: Position, b: Position): number =>
  a.commit === b.commit ? (a.prepare === b.prepare ? 0 : a.prepare < b.prepare ? -1 : 1) : a.commit < b.commit ? -1 : 1;

type StreamState = Readonly<{
  /** Revision of the last event, -1 when the stream does not exist. */
  current: number;
  lastHash: string;
  /** Where the ids being appended are already recorded in this stream. */
  places: ReadonlyMap<string, RecordedPlace>;
}>;

/**
 * The EventStore port on EventStoreDB 22.6+ / KurrentDB, through @kurrent/kurrentdb-client
 * (README: "EventStoreDB / KurrentDB"). Same semantics as the SQLite adapter except where the
 * server makes them impossible, and there explicitly: global positions are sparse byte offsets
 * (see kurrentdb-position.ts), and event ids are unique per stream, not across the store.
 */
export class KurrentDbEventStore implements EventStore {
  private readonly client: KurrentDBClient;
  private readonly clock: Clock;
  private readonly pageSize: number;
  private readonly deadlineMs: number;
  private readonly names: StreamNames;
  private readonly reconnect: ReconnectPolicy;
  private readonly maxAppendAttempts: number;
  private readonly subscriptions = new Set<ReconnectingSubscription>();
  private closed = false;

  constructor(private readonly options: KurrentDbEventStoreOptions) {
    this.clock = options.clock ?? new SystemClock();
    this.pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    this.deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.names = new StreamNames(options.streamNamespace ?? '');
    this.reconnect = { ...DEFAULT_RECONNECT, ...options.reconnect };
    this.maxAppendAttempts = options.maxAppendAttempts ?? 20;
    checkNonNegativeInteger('pageSize', this.pageSize);
    if (this.pageSize < 1 || this.deadlineMs <= 0 || this.maxAppendAttempts < 1) {
      throw new ValidationError('pageSize, deadlineMs and maxAppendAttempts must be positive', []);
    }
    this.client = KurrentDBClient.connectionString(normalizeConnectionString(options.connectionString));
  }

  /**
   * Appends with the hash chain computed here: it reads the stream (its last hash and revision, and
   * whether these ids are already in it), then writes with exactly the revision it read, whatever
   * the caller expected, so no other event can slip between the one it chained to and the new ones.
   * When another writer gets in between, the server refuses the write and the append starts over,
   * as long as the caller's expectation still allows it.
   */
  async append(streamName: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    this.assertOpen();
    const expected = options.expectedRevision;
    validateAppend(streamName, events, expected);
    const serverName = this.names.toServer(streamName);
    let state: StreamState | undefined;
    for (let attempt = 1; attempt <= this.maxAppendAttempts; attempt++) {
      state = await this.streamState(serverName, streamName, events);
      // Only this stream is searched: EventStoreDB has no index of event ids across streams.
      const { places } = state;
      const repeated = resolveRepeatedAppend(streamName, events, expected, (id) => places.get(id));
      if (repeated) return repeated;
      if (!expectationHolds(expected, state.current)) throw concurrencyError(streamName, expected, state.current);

      const prevHash = state.current === NO_STREAM_REVISION ? GENESIS_HASH : state.lastHash;
      const chained = chainEvents(streamName, prevHash, state.current + 1, events);
      const recordedAt = this.clock.now().toISOString();
      const serverEvents = chained.map((event) =>
        jsonEvent({
          id: serverEventId(event.id),
          type: event.type,
          // Parsed from the hashed JSON: what is stored is what was hashed, whatever the caller does next.
          data: JSON.parse(event.dataJson) as JSONType,
          metadata: storedMetadataOf(event, recordedAt),
        }),
      );
      const streamState = state.current === NO_STREAM_REVISION ? NO_STREAM : BigInt(state.current);
      try {
        await this.call(`an append to ${streamName}`, () =>
          this.client.appendToStream(serverName, serverEvents, { streamState, deadline: this.deadlineMs }),
        );
      } catch (error) {
        // Another writer moved the stream between our read and our write: read again and re-check.
        if (error instanceof WrongExpectedVersionError) continue;
        throw toKernelError(error, streamName);
      }
      const last = chained[chained.length - 1];
      const lastGlobalPosition = await this.positionOf(serverName, streamName, last.streamRevision, last.id);
      notifyAppended(this.options.onAppended, streamName, chained.length);
      return { nextExpectedRevision: last.streamRevision, lastGlobalPosition };
    }
    throw concurrencyError(streamName, expected, state?.current ?? NO_STREAM_REVISION);
  }

  readStream(streamName: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent> {
    this.assertOpen();
    return this.readStreamPages(streamName, options?.from, options?.max);
  }

  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent> {
    this.assertOpen();
    return this.readAllPages(options);
  }

  subscribe(options?: SubscribeOptions): EventSubscription {
    this.assertOpen();
    checkNonNegativeInteger('fromPosition', options?.fromPosition);
    const filter = normalizeFilter(options?.filter);
    const serverFilter = serverFilterFor(filter, this.names);
    const subscription = new ReconnectingSubscription({
      fromPosition: options?.fromPosition ?? 0,
      // The catch-up subscription's long-lived stream has no deadline; a dead connection surfaces
      // through the client's keep-alive as UNAVAILABLE, and the subscription resubscribes.
      open: (after) => this.client.subscribeToAll({ fromPosition: after, filter: serverFilter }) as unknown as ServerSubscription,
      see: (item) => this.see(item as AllStreamResolvedEvent, filter),
      clock: this.clock,
      reconnect: this.reconnect,
      onDropped: this.options.onSubscriptionDropped,
      onClose: (closed) => this.subscriptions.delete(closed),
    });
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Position of our newest event: $all read backwards past system and foreign events. */
  async headPosition(): Promise<number> {
    this.assertOpen();
    const filter = serverFilterFor(undefined, this.names);
    let cursor: ReadPosition = END;
    let before: Position | undefined;
    for (;;) {
      const page = await this.readAllPage('the head of $all', cursor, BACKWARDS, filter);
      for (const resolved of page) {
        const position = resolved.event?.position;
        if (!position || (before && compare(position, before) >= 0)) continue;
        before = position;
        const event = this.decode(resolved);
        if (event) return event.globalPosition;
      }
      if (page.length < this.pageSize || !before) return 0;
      cursor = before;
    }
  }

  /** One cheap read under the deadline: the newest record of $all. */
  async ping(): Promise<void> {
    this.assertOpen();
    await this.readAllPage('a ping', END, BACKWARDS, undefined, 1);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    await this.client.dispose();
  }

  private async *readStreamPages(
    streamName: string,
    from = 0,
    max = Number.POSITIVE_INFINITY,
    pageSize = this.pageSize,
  ): AsyncGenerator<RecordedEvent> {
    checkNonNegativeInteger('from', from);
    if (max !== Number.POSITIVE_INFINITY) checkNonNegativeInteger('max', max);
    const serverName = this.names.toServer(streamName);
    let next = from;
    let remaining = max;
    while (remaining > 0) {
      const limit = Math.min(pageSize, remaining);
      let page: ResolvedEvent[];
      try {
        page = await this.collectPage(`a read of ${streamName}`, () =>
          this.client.readStream(serverName, { fromRevision: BigInt(next), maxCount: limit, direction: FORWARDS }),
        );
      } catch (error) {
        if (isStreamNotFound(error)) return;
        throw toKernelError(error, streamName);
      }
      for (const resolved of page) yield this.decodeOwn(resolved, streamName);
      if (page.length < limit) return;
      remaining -= page.length;
      next = Number(page[page.length - 1].event?.revision ?? BigInt(next + page.length - 1)) + 1;
    }
  }

  private async *readAllPages(options: ReadAllOptions | undefined): AsyncGenerator<RecordedEvent> {
    checkNonNegativeInteger('fromPosition', options?.fromPosition);
    checkNonNegativeInteger('max', options?.max);
    const filter = normalizeFilter(options?.filter);
    const serverFilter = serverFilterFor(filter, this.names);
    const fromPosition = options?.fromPosition ?? 0;
    let after: Position = { commit: BigInt(fromPosition), prepare: BigInt(fromPosition) };
    let cursor = positionAfter(fromPosition);
    let remaining = options?.max ?? Number.POSITIVE_INFINITY;
    while (remaining > 0) {
      // Whole pages even near `max`: events the server returns may still be dropped here.
      const page = await this.readAllPage('a read of $all', cursor, FORWARDS, serverFilter);
      let movedOn = false;
      for (const resolved of page) {
        // The read starts at (includes) the last position seen: drop everything up to it.
        const seen = this.see(resolved, filter);
        if (!seen || compare(seen.position, after) <= 0) continue;
        after = seen.position;
        movedOn = true;
        if (!seen.event) continue;
        yield seen.event;
        if (--remaining === 0) return;
      }
      if (page.length < this.pageSize) return;
      if (!movedOn) throw new Error('A full page of $all brought nothing past the last position: the read cannot move on');
      cursor = after;
    }
  }

  /** One page of $all; the server returns at most `maxCount` events matching `filter`. */
  private async readAllPage(
    what: string,
    fromPosition: ReadPosition,
    direction: typeof FORWARDS | typeof BACKWARDS,
    filter: Filter | undefined,
    maxCount = this.pageSize,
  ): Promise<ResolvedEvent[]> {
    try {
      return await this.collectPage(what, () =>
        this.client.readAll({ fromPosition, direction, maxCount, ...(filter ? { filter } : {}) }),
      );
    } catch (error) {
      throw toKernelError(error);
    }
  }

  /**
   * Reads one bounded page under the deadline. Reads go through the client's native bridge, whose
   * iterators cannot be cancelled: a page that overruns the deadline is abandoned, and at most one
   * page of events is read into memory and dropped.
   */
  private collectPage(what: string, read: () => AsyncIterable<ResolvedEvent>): Promise<ResolvedEvent[]> {
    return this.call(what, async () => {
      const page: ResolvedEvent[] = [];
      for await (const resolved of read()) page.push(resolved);
      return page;
    });
  }

  private call<T>(what: string, work: () => Promise<T>): Promise<T> {
    return withDeadline(this.clock, this.deadlineMs, what, work);
  }

  /** Revision, last hash, and where the ids to append already are: one forward read of the stream. */
  private async streamState(serverName: string, streamName: string, events: readonly NewEvent[]): Promise<StreamState> {
    const wanted = new Set(events.map((event) => event.id));
    const places = new Map<string, RecordedPlace>();
    let current = NO_STREAM_REVISION;
    let lastHash = GENESIS_HASH;
    // Larger pages than the caller's reads: the scan keeps only ids and the last hash, one page at a time.
    const pageSize = Math.max(this.pageSize, SCAN_PAGE_SIZE);
    for await (const recorded of this.readStreamPages(streamName, 0, Number.POSITIVE_INFINITY, pageSize)) {
      if (recorded.streamRevision !== current + 1) {
        throw new Error(
          `Stream ${serverName} jumps from revision ${current} to ${recorded.streamRevision} (truncated or scavenged?): ` +
            'its hash chain cannot be continued',
        );
      }
      current = recorded.streamRevision;
      lastHash = recorded.hash;
      if (wanted.has(recorded.id)) {
        places.set(recorded.id, { streamName, streamRevision: recorded.streamRevision, globalPosition: recorded.globalPosition });
      }
    }
    return { current, lastHash, places };
  }

  /** The global position of the event just written at `revision`, read back: the append's answer cannot be relied on for it. */
  private async positionOf(serverName: string, streamName: string, revision: number, id: string): Promise<number> {
    for await (const recorded of this.readStreamPages(streamName, revision, 1)) {
      if (recorded.id === id) return recorded.globalPosition;
      throw new Error(`Stream ${serverName} holds ${recorded.id} at revision ${revision}, not the event ${id} just appended`);
    }
    throw new Error(`Stream ${serverName} has no revision ${revision} right after it was appended`);
  }

  private decode(resolved: ResolvedEvent): RecordedEvent | undefined {
    return resolved.event ? decodeServerEvent(resolved.event as ServerEvent, this.names) : undefined;
  }

  /** An event of a stream we own must be ours: anything else there is corruption, not something to skip. */
  private decodeOwn(resolved: ResolvedEvent, streamName: string): RecordedEvent {
    const event = this.decode(resolved);
    if (!event) {
      throw new Error(`Stream ${streamName} holds an event not written by this event store (${resolved.event?.id ?? 'no event'})`);
    }
    return event;
  }

  /** A $all item: its raw position (to move past it) and our event, if it is ours and passes the filter. */
  private see(resolved: ResolvedEvent, filter: NormalizedFilter | undefined): SeenEvent | undefined {
    const position = resolved.event?.position;
    if (!position) return undefined;
    const event = this.decode(resolved);
    return { position, event: event && (!filter || matchesFilter(event, filter)) ? event : undefined };
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('The event store is closed');
  }
}
