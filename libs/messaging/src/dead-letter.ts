import { RpcException } from '@nestjs/microservices';
import type { RecordedEvent } from '@ticketing/event-store';

/** The last error of a parked event, as stored. */
export type DeadLetterError = Readonly<{
  name: string;
  message: string;
  stack: string | null;
}>;

/**
 * An event a consumer group gave up on. The event itself is not copied: it stays in the event
 * store (immutable, hash-chained) and is read back by `position` when replayed.
 */
export type DeadLetterRecord = Readonly<{
  id: string;
  group: string;
  /** Global position of the event in the event store. */
  position: number;
  eventId: string;
  eventType: string;
  streamName: string;
  error: DeadLetterError;
  /** Deliveries so far, replays included. */
  attempts: number;
  parkedAt: string;
  lastFailedAt: string;
  /** Set once a replay succeeded; a replayed record is kept for the audit trail. */
  replayedAt: string | null;
}>;

export type DeadLetterQuery = Readonly<{
  group?: string;
  /** Include records already replayed successfully (default: only those still parked). */
  includeReplayed?: boolean;
  limit?: number;
}>;

const MAX_STACK_CHARS = 8_000;
const MAX_MESSAGE_CHARS = 2_000;

const truncate = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max)}…` : text);

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/**
 * A storable description of whatever a handler threw. Besides `Error`s this understands the
 * `{ status: 'error', message }` objects Nest's default RPC exception filter turns errors into
 * (when `BusExceptionFilter` is not installed) and `RpcException`s.
 */
export function describeError(error: unknown): DeadLetterError {
  if (error instanceof RpcException) {
    const inner = error.getError();
    const message = typeof inner === 'string' ? inner : safeJson(inner);
    return { name: error.name, message: truncate(message, MAX_MESSAGE_CHARS), stack: trimStack(error.stack) };
  }
  if (error instanceof Error) {
    return {
      name: error.name,
      message: truncate(error.message, MAX_MESSAGE_CHARS),
      stack: trimStack(error.stack),
    };
  }
  if (isRecord(error) && typeof error['message'] === 'string') {
    return { name: 'RpcError', message: truncate(error['message'], MAX_MESSAGE_CHARS), stack: null };
  }
  const message = typeof error === 'string' ? error : safeJson(error);
  return { name: 'NonError', message: truncate(message, MAX_MESSAGE_CHARS), stack: null };
}

function trimStack(stack: string | undefined): string | null {
  return stack === undefined ? null : truncate(stack, MAX_STACK_CHARS);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A new dead-letter record for an event a group gave up on after `attempts` deliveries. */
export function newDeadLetter(
  input: Readonly<{ id: string; group: string; event: RecordedEvent; attempts: number; error: unknown; now: Date }>,
): DeadLetterRecord {
  const at = input.now.toISOString();
  return {
    id: input.id,
    group: input.group,
    position: input.event.globalPosition,
    eventId: input.event.id,
    eventType: input.event.type,
    streamName: input.event.streamName,
    error: describeError(input.error),
    attempts: input.attempts,
    parkedAt: at,
    lastFailedAt: at,
    replayedAt: null,
  };
}
