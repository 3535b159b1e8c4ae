import { START, type Position, type ReadPosition } from '@kurrent/kurrentdb-client';
import type { Clock } from '@ticketing/kernel';
import type { EventSubscription, RecordedEvent } from '../event-store.port';
import { isTransient, toKernelError } from './kurrentdb-errors';

/** What the subscription needs from one server subscription: pull events, and stop it. */
export interface ServerSubscription extends AsyncIterable<unknown> {
  unsubscribe(): Promise<void>;
  destroy(): void;
}

/** One event as the subscription sees it: its raw $all position, and our event when it is one of ours. */
export type SeenEvent = Readonly<{ position: Position; event: RecordedEvent | undefined }>;

export type ReconnectPolicy = Readonly<{ initialDelayMs: number; maxDelayMs: number }>;

export type ReconnectingSubscriptionOptions = Readonly<{
  /** Position to deliver after (exclusive); 0 from the start. */
  fromPosition: number;
  /** Opens a server subscription delivering the events after `after`. */
  open: (after: ReadPosition) => ServerSubscription;
  /** Reads one delivered item; throws when an event of ours cannot be represented faithfully. */
  see: (item: unknown) => SeenEvent | undefined;
  clock: Clock;
  reconnect: ReconnectPolicy;
  /** Told about every drop that will be retried: a hook for logs and metrics. */
  onDropped?: (error: unknown, attempt: number) => void;
  onClose: (subscription: ReconnectingSubscription) => void;
}>;

const CLOSED = Symbol('closed');

/** The server completed a subscription that should never end (e.g. it is shutting down): subscribe again. */
export class ServerEndedSubscription extends Error {
  constructor() {
    super('The event store ended the subscription');
    this.name = 'ServerEndedSubscription';
  }
}

const compare = (a: Position, b: Position): number =>
  a.commit === b.commit ? (a.prepare === b.prepare ? 0 : a.prepare < b.prepare ? -1 : 1) : a.commit < b.commit ? -1 : 1;

/**
 * A catch-up subscription to $all that survives dropped connections: when the server subscription
 * fails with a transient error (or ends), it waits (backoff on the injected clock) and subscribes
 * again after the last position it saw — so nothing is skipped — and drops anything at or before
 * that position — so nothing is repeated, whether the server treats the start as inclusive or not.
 * It pulls from the client's stream, which applies gRPC flow control: a slow consumer holds at most
 * the stream's small buffer, never an unbounded backlog.
 */
export class ReconnectingSubscription implements EventSubscription {
  private closed = false;
  private started = false;
  private readonly closing = new AbortController();
  private readonly closedSignal: Promise<typeof CLOSED>;

  constructor(private readonly options: ReconnectingSubscriptionOptions) {
    this.closedSignal = new Promise((resolve) =>
      this.closing.signal.addEventListener('abort', () => resolve(CLOSED), { once: true }),
    );
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    if (this.started) throw new Error('A subscription can be iterated only once; subscribe again from your checkpoint');
    this.started = true;
    return this.run();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.closing.abort();
    this.options.onClose(this);
  }

  private async *run(): AsyncGenerator<RecordedEvent> {
    try {
      yield* this.deliver();
    } finally {
      // However the iteration ends (closed, failed, or abandoned by the consumer), it is over.
      await this.close();
    }
  }

  private async *deliver(): AsyncGenerator<RecordedEvent> {
    const { fromPosition, open, see } = this.options;
    let after: Position = { commit: BigInt(fromPosition), prepare: BigInt(fromPosition) };
    let failures = 0;
    while (!this.closed) {
      let server: ServerSubscription | undefined;
      try {
        server = open(after.commit === 0n && after.prepare === 0n ? START : after);
        const items = server[Symbol.asyncIterator]();
        for (;;) {
          const next = await this.unlessClosed(items.next());
          if (next === CLOSED) return;
          if (next.done) throw new ServerEndedSubscription();
          const seen = see(next.value);
          if (!seen || compare(seen.position, after) <= 0) continue;
          after = seen.position;
          failures = 0;
          if (seen.event) {
            yield seen.event;
            if (this.closed) return;
          }
        }
      } catch (error) {
        if (this.closed) return;
        if (!(error instanceof ServerEndedSubscription) && !isTransient(error)) throw toKernelError(error);
        failures++;
        this.options.onDropped?.(error, failures);
      } finally {
        const stopped = server;
        stopped?.unsubscribe().then(
          () => stopped.destroy(),
          () => stopped.destroy(),
        );
      }
      if ((await this.backoff(failures)) === CLOSED) return;
    }
  }

  private unlessClosed<T>(promise: Promise<T>): Promise<T | typeof CLOSED> {
    promise.catch(() => undefined); // it may still fail after close: nobody is waiting any more
    return Promise.race([promise, this.closedSignal]);
  }

  private async backoff(attempt: number): Promise<void | typeof CLOSED> {
    const { initialDelayMs, maxDelayMs } = this.options.reconnect;
    const delay = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.min(attempt - 1, 30));
    try {
      await this.options.clock.sleep(delay, this.closing.signal);
    } catch {
      return CLOSED;
    }
    return this.closed ? CLOSED : undefined;
  }
}
