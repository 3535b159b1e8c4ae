import type { Clock } from '@ticketing/kernel';

/** Called after every committed append (not for idempotent repeats): the metrics hook. */
export type AppendedListener = (streamName: string, count: number) => void;

/** Options every adapter understands. */
export type CommonEventStoreOptions = Readonly<{
  /** Source of `recordedAt` and of the subscriptions' poll timer; default SystemClock. */
  clock?: Clock;
  /** Rows per read query (readStream, readAll, subscriptions); default 500. */
  pageSize?: number;
  /**
   * Counts appended events, e.g. a prom-client counter. Runs synchronously after the commit; an
   * exception it throws is swallowed, since the append is already durable and must be acknowledged.
   */
  onAppended?: AppendedListener;
}>;

export function notifyAppended(listener: AppendedListener | undefined, streamName: string, count: number): void {
  if (!listener) return;
  try {
    listener(streamName, count);
  } catch {
    // A broken metrics hook must not turn a committed append into a reported failure.
  }
}
