import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Clock } from '@ticketing/kernel';
import { contextOfStream, upcastPublicEvent } from '@ticketing/contracts';
import type { EventFilter, EventStore, RecordedEvent } from '@ticketing/event-store';

/** A comment line every this often (by default) keeps proxies from closing an idle stream. */
export const HEARTBEAT_MS = 15_000;

/** What a client gets per event (`data:` of an SSE message whose `id` is the global position). */
export type StreamedEvent = Readonly<{
  id: string;
  type: string;
  schemaVersion: number;
  streamName: string;
  context: string | null;
  globalPosition: number;
  occurredAt: string;
  ticketId: string | null;
  correlationId: string;
  data: Readonly<Record<string, unknown>>;
}>;

export type PumpOptions = Readonly<{
  eventStore: EventStore;
  clock: Clock;
  /** Deliver events strictly after this global position. */
  fromPosition: number;
  filter: EventFilter;
  /** Last say per event, after the store's filter (exact stream names, what the caller may see). */
  accept: (event: RecordedEvent) => boolean;
  /** The response (any Writable); writing waits for `drain` when it asks to. */
  sink: Writable;
  /** Aborted when the client went away or the server shuts down: closes the subscription. */
  signal: AbortSignal;
  /** Quiet time before a heartbeat comment; default HEARTBEAT_MS. */
  heartbeatMs?: number;
}>;

/** What a client gets for `recorded`: its event in the current shape (as consumers get it), with where and when it happened. */
export function toStreamedEvent(recorded: RecordedEvent): StreamedEvent {
  const event: RecordedEvent = upcastPublicEvent(recorded) as RecordedEvent;
  return {
    id: event.id,
    type: event.type,
    schemaVersion: event.schemaVersion,
    streamName: event.streamName,
    context: contextOfStream(event.streamName) ?? null,
    globalPosition: event.globalPosition,
    occurredAt: event.metadata.occurredAt,
    ticketId: event.metadata.ticketId ?? null,
    correlationId: event.metadata.correlationId,
    data: event.data,
  };
}

/** One SSE message. JSON.stringify escapes line breaks, so `data` is a single line. */
export const sseMessage = (event: RecordedEvent): string =>
  `id: ${event.globalPosition}\nevent: ${event.type}\ndata: ${JSON.stringify(toStreamedEvent(event))}\n\n`;

export const SSE_HEARTBEAT = ': heartbeat\n\n';

const HEARTBEAT = Symbol('heartbeat');

/**
 * Writes the matching events after `fromPosition` to `sink` as SSE messages, historic then live,
 * with a heartbeat comment after every `heartbeatMs` (on `clock`) without one. Resolves when
 * `signal` aborts (the subscription is closed then) or the event store ends the subscription.
 */
export async function pumpEvents(options: PumpOptions): Promise<void> {
  const { eventStore, clock, sink, signal, accept, heartbeatMs = HEARTBEAT_MS } = options;
  if (signal.aborted) return;
  const subscription = eventStore.subscribe({ fromPosition: options.fromPosition, filter: options.filter });
  const close = () => void subscription.close();
  signal.addEventListener('abort', close, { once: true });
  const write = async (chunk: string) => {
    if (!sink.write(chunk)) await once(sink, 'drain', { signal });
  };
  const events = subscription[Symbol.asyncIterator]();
  let next = events.next();
  try {
    while (!signal.aborted) {
      const quiet = new AbortController();
      const heartbeat = clock.sleep(heartbeatMs, AbortSignal.any([quiet.signal, signal])).then(
        (): typeof HEARTBEAT => HEARTBEAT,
        () => undefined,
      );
      const result = await Promise.race([next, heartbeat]);
      quiet.abort();
      if (result === undefined) continue;
      if (result === HEARTBEAT) {
        await write(SSE_HEARTBEAT);
        continue;
      }
      if (result.done) return;
      next = events.next();
      if (accept(result.value)) await write(sseMessage(result.value));
    }
  } catch (error) {
    // A client that left while we waited for `drain` is the normal end, not a failure.
    if (!signal.aborted) throw error;
  } finally {
    signal.removeEventListener('abort', close);
    await subscription.close();
    // The read in flight when we stopped ends with the subscription; nobody waits for it any more.
    next.catch(() => undefined);
  }
}
