import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { ValidationError, type Clock } from '@ticketing/kernel';
import type {
  EventFilter,
  EventSubscription,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeOptions,
} from './event-store.port';

/** Default rows per query: bounds memory per reader whatever the stream's length. */
export const DEFAULT_PAGE_SIZE = 500;

/** A filter with empty lists dropped; `undefined` means every event. */
export type NormalizedFilter = Readonly<{ streamPrefixes?: readonly string[]; eventTypes?: readonly string[] }>;

export function normalizeFilter(filter: EventFilter | undefined): NormalizedFilter | undefined {
  const streamPrefixes = filter?.streamPrefixes?.length ? [...filter.streamPrefixes] : undefined;
  const eventTypes = filter?.eventTypes?.length ? [...filter.eventTypes] : undefined;
  return streamPrefixes || eventTypes ? { streamPrefixes, eventTypes } : undefined;
}

export function matchesFilter(event: Pick<RecordedEvent, 'streamName' | 'type'>, filter: NormalizedFilter): boolean {
  if (filter.eventTypes && !filter.eventTypes.includes(event.type)) return false;
  if (filter.streamPrefixes && !filter.streamPrefixes.some((prefix) => event.streamName.startsWith(prefix))) return false;
  return true;
}

/**
 * One page of the global log. Every event matching the filter with a position in
 * (after, scannedTo] is in `events`; the next page starts after `scannedTo`. A filtered page may be
 * empty while `scannedTo` moves on (nothing matched in the scanned window); a page that is empty and
 * did not move means the reader has caught up with the head.
 */
export type GlobalPage = Readonly<{ events: readonly RecordedEvent[]; scannedTo: number }>;

/** What an adapter provides so paging and catch-up subscriptions are written once. */
export interface PagedEventLog {
  readStreamPage(streamName: string, fromRevision: number, limit: number): readonly RecordedEvent[];
  readAllPage(afterPosition: number, filter: NormalizedFilter | undefined, limit: number): GlobalPage;
}

/** Wakes subscribers when this process appends; `version` lets a reader notice an append it raced. */
export class AppendNotifier {
  private counter = 0;
  private readonly listeners = new Set<() => void>();

  get version(): number {
    return this.counter;
  }

  notify(): void {
    this.counter++;
    const listeners = [...this.listeners];
    this.listeners.clear();
    for (const listener of listeners) listener();
  }

  /** Calls `listener` once on the next append; returns a function that cancels it. */
  once(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

const checkNonNegativeInteger = (field: string, value: number | undefined): void => {
  if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
    throw new ValidationError(`${field} must be a non-negative integer`, [{ field, message: 'must be a non-negative integer' }]);
  }
};

export async function* readStreamPaged(
  log: PagedEventLog,
  streamName: string,
  options: ReadStreamOptions | undefined,
  pageSize: number,
): AsyncGenerator<RecordedEvent> {
  checkNonNegativeInteger('from', options?.from);
  checkNonNegativeInteger('max', options?.max);
  let from = options?.from ?? 0;
  let remaining = options?.max ?? Number.POSITIVE_INFINITY;
  while (remaining > 0) {
    const limit = Math.min(pageSize, remaining);
    const page = log.readStreamPage(streamName, from, limit);
    for (const event of page) yield event;
    if (page.length < limit) return;
    remaining -= page.length;
    from = page[page.length - 1].streamRevision + 1;
    // Let timers and I/O run between pages: a long read must not starve the process.
    await yieldToEventLoop();
  }
}

export async function* readAllPaged(
  log: PagedEventLog,
  options: ReadAllOptions | undefined,
  pageSize: number,
): AsyncGenerator<RecordedEvent> {
  checkNonNegativeInteger('fromPosition', options?.fromPosition);
  checkNonNegativeInteger('max', options?.max);
  const filter = normalizeFilter(options?.filter);
  let after = options?.fromPosition ?? 0;
  let remaining = options?.max ?? Number.POSITIVE_INFINITY;
  while (remaining > 0) {
    const page = log.readAllPage(after, filter, Math.min(pageSize, remaining));
    for (const event of page.events) yield event;
    if (page.scannedTo === after) return;
    remaining -= page.events.length;
    after = page.scannedTo;
    await yieldToEventLoop();
  }
}

export type CatchUpOptions = Readonly<{
  pageSize: number;
  clock: Clock;
  /** Also look for new events this often: catches appends by other processes. Unset: only this process's appends wake it. */
  pollIntervalMs?: number;
}>;

/**
 * Catch-up subscription shared by the adapters: reads pages until it reaches the head, then waits
 * for an append (this process's notifier, or the poll timer for other processes) and reads on from
 * where it was. The same cursor serves the historic and the live part, so the switch can neither
 * skip nor repeat an event. The consumer pulls: at most one page is held at a time.
 */
export class CatchUpSubscription implements EventSubscription {
  private closed = false;
  private started = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly log: PagedEventLog,
    private readonly notifier: AppendNotifier,
    private readonly subscribeOptions: SubscribeOptions | undefined,
    private readonly options: CatchUpOptions,
    private readonly onClose: (subscription: CatchUpSubscription) => void,
  ) {
    checkNonNegativeInteger('fromPosition', subscribeOptions?.fromPosition);
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    if (this.started) throw new Error('A subscription can be iterated only once; subscribe again from your checkpoint');
    this.started = true;
    return this.run();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wake?.();
    this.onClose(this);
  }

  private async *run(): AsyncGenerator<RecordedEvent> {
    const filter = normalizeFilter(this.subscribeOptions?.filter);
    let position = this.subscribeOptions?.fromPosition ?? 0;
    while (!this.closed) {
      // Taken before reading: an append landing after the read still finds the version changed.
      const seen = this.notifier.version;
      const page = this.log.readAllPage(position, filter, this.options.pageSize);
      for (const event of page.events) {
        yield event;
        if (this.closed) return;
      }
      if (page.scannedTo !== position) {
        position = page.scannedTo;
        await yieldToEventLoop();
      } else {
        await this.waitForAppend(seen);
      }
    }
  }

  private waitForAppend(seenVersion: number): Promise<void> {
    if (this.closed || this.notifier.version !== seenVersion) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const stopPolling = new AbortController();
      const done = () => {
        stopPolling.abort();
        cancelNotification();
        this.wake = undefined;
        resolve();
      };
      const cancelNotification = this.notifier.once(done);
      this.wake = done;
      if (this.options.pollIntervalMs !== undefined) {
        this.options.clock.sleep(this.options.pollIntervalMs, stopPolling.signal).then(done, () => undefined);
      }
    });
  }
}
