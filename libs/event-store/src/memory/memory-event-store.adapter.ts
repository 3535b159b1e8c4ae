import { SystemClock, type Clock } from '@ticketing/kernel';
import {
  concurrencyError,
  expectationHolds,
  NO_STREAM_REVISION,
  resolveRepeatedAppend,
  validateAppend,
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
import {
  AppendNotifier,
  CatchUpSubscription,
  DEFAULT_PAGE_SIZE,
  matchesFilter,
  readAllPaged,
  readStreamPaged,
  type GlobalPage,
  type NormalizedFilter,
  type PagedEventLog,
} from '../paged-reading';
import { notifyAppended, type CommonEventStoreOptions } from '../store-options';

export type MemoryEventStoreOptions = CommonEventStoreOptions;

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const nested of Object.values(value)) deepFreeze(nested);
  }
  return value;
}

/**
 * The reference adapter: the port's semantics with nothing in the way, for unit tests. Stored
 * events are parsed back from the canonical JSON that was hashed and frozen, so callers see exactly
 * what a durable adapter would return and cannot alter history by mutating what they passed in.
 */
export class MemoryEventStore implements EventStore, PagedEventLog {
  private readonly log: RecordedEvent[] = [];
  private readonly streams = new Map<string, RecordedEvent[]>();
  private readonly byId = new Map<string, RecordedEvent>();
  private readonly notifier = new AppendNotifier();
  private readonly subscriptions = new Set<CatchUpSubscription>();
  private readonly clock: Clock;
  private readonly pageSize: number;
  private closed = false;

  constructor(private readonly options: MemoryEventStoreOptions = {}) {
    this.clock = options.clock ?? new SystemClock();
    this.pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  }

  async append(streamName: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    this.assertOpen();
    const expected = options.expectedRevision;
    validateAppend(streamName, events, expected);
    const repeated = resolveRepeatedAppend(streamName, events, expected, (id) => this.byId.get(id));
    if (repeated) return repeated;

    const stream = this.streams.get(streamName) ?? [];
    const current = stream.length - 1;
    if (!expectationHolds(expected, current)) throw concurrencyError(streamName, expected, current);

    const prevHash = current === NO_STREAM_REVISION ? GENESIS_HASH : stream[current].hash;
    const recordedAt = this.clock.now().toISOString();
    const firstPosition = this.log.length + 1;
    const recorded = chainEvents(streamName, prevHash, current + 1, events).map((event, i) =>
      deepFreeze<RecordedEvent>({
        id: event.id,
        type: event.type,
        schemaVersion: event.schemaVersion,
        data: JSON.parse(event.dataJson),
        metadata: JSON.parse(event.metadataJson),
        streamName,
        streamRevision: event.streamRevision,
        globalPosition: firstPosition + i,
        recordedAt,
        prevHash: event.prevHash,
        hash: event.hash,
      }),
    );
    for (const event of recorded) {
      this.log.push(event);
      stream.push(event);
      this.byId.set(event.id, event);
    }
    this.streams.set(streamName, stream);
    this.notifier.notify();
    notifyAppended(this.options.onAppended, streamName, recorded.length);
    const last = recorded[recorded.length - 1];
    return { nextExpectedRevision: last.streamRevision, lastGlobalPosition: last.globalPosition };
  }

  readStream(streamName: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent> {
    this.assertOpen();
    return readStreamPaged(this, streamName, options, this.pageSize);
  }

  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent> {
    this.assertOpen();
    return readAllPaged(this, options, this.pageSize);
  }

  subscribe(options?: SubscribeOptions): EventSubscription {
    this.assertOpen();
    // Nothing outside this process can append to memory, so appends alone wake it: no polling.
    const subscription = new CatchUpSubscription(
      this,
      this.notifier,
      options,
      { pageSize: this.pageSize, clock: this.clock },
      (closed) => this.subscriptions.delete(closed),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async headPosition(): Promise<number> {
    this.assertOpen();
    return this.log.length;
  }

  async ping(): Promise<void> {
    this.assertOpen();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    this.closed = true;
  }

  /** @internal paging primitive for the shared readers */
  readStreamPage(streamName: string, fromRevision: number, limit: number): readonly RecordedEvent[] {
    this.assertOpen();
    return (this.streams.get(streamName) ?? []).slice(fromRevision, fromRevision + limit);
  }

  /** @internal paging primitive for the shared readers */
  readAllPage(afterPosition: number, filter: NormalizedFilter | undefined, limit: number): GlobalPage {
    this.assertOpen();
    if (!filter) {
      const events = this.log.slice(afterPosition, afterPosition + limit);
      return { events, scannedTo: events.length ? events[events.length - 1].globalPosition : afterPosition };
    }
    // Bound the work per page like a query would: scan a window, not the rest of the log.
    const windowEnd = Math.min(this.log.length, afterPosition + Math.max(limit * 10, 5_000));
    const events: RecordedEvent[] = [];
    for (let index = afterPosition; index < windowEnd; index++) {
      const event = this.log[index];
      if (!matchesFilter(event, filter)) continue;
      events.push(event);
      if (events.length === limit) return { events, scannedTo: event.globalPosition };
    }
    return { events, scannedTo: Math.max(windowEnd, afterPosition) };
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('The event store is closed');
  }
}
