import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import type { DeadLetterError, DeadLetterRecord } from '../dead-letter';
import { copyHeaders, DEAD_LETTER_HEADERS, EVENT_HEADERS, readHeader } from './kafka-message.codec';

/** A message as read back from a dead-letter topic. */
export type LoggedMessage = Readonly<{
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers: IHeaders | undefined;
}>;

/** What a dead-letter topic entry says: a parked message, or a later marker about one. */
export type DeadLetterEntry =
  | Readonly<{ kind: 'parked'; record: DeadLetterRecord; value: Buffer | string | null; key: Buffer | string | null }>
  | Readonly<{ kind: 'replayed'; id: string; group: string; at: string }>
  | Readonly<{ kind: 'replay-failed'; id: string; group: string; attempts: number; error: DeadLetterError; at: string }>;

const MAX_STACK_HEADER_CHARS = 4_000;

const errorHeaders = (error: DeadLetterError): Record<string, string> => ({
  [DEAD_LETTER_HEADERS.errorName]: error.name,
  [DEAD_LETTER_HEADERS.errorMessage]: error.message,
  // Kafka's default max message size is 1 MB; a stack is for the operator, its head is enough.
  ...(error.stack === null ? {} : { [DEAD_LETTER_HEADERS.errorStack]: error.stack.slice(0, MAX_STACK_HEADER_CHARS) }),
});

export type ParkedMessageInput = Readonly<{
  id: string;
  group: string;
  attempts: number;
  error: DeadLetterError;
  at: Date;
  source: Readonly<{ topic: string; partition: number; message: Pick<KafkaMessage, 'key' | 'value' | 'headers' | 'offset'> }>;
  /** Event headers to set when the original lacked them (a message that failed to decode). */
  fallbackHeaders?: Readonly<Record<string, string>>;
}>;

/**
 * The dead-letter copy of a message: same key (same partition as its later markers, so they stay
 * in order) and value, the original headers, plus the error and where the message came from.
 */
export function encodeParked(input: ParkedMessageInput): Message {
  const { source } = input;
  return {
    key: source.message.key,
    value: source.message.value,
    headers: {
      ...input.fallbackHeaders,
      ...copyHeaders(source.message.headers),
      [DEAD_LETTER_HEADERS.id]: input.id,
      [DEAD_LETTER_HEADERS.kind]: 'parked',
      [DEAD_LETTER_HEADERS.group]: input.group,
      [DEAD_LETTER_HEADERS.attempts]: String(input.attempts),
      ...errorHeaders(input.error),
      [DEAD_LETTER_HEADERS.originalTopic]: source.topic,
      [DEAD_LETTER_HEADERS.originalPartition]: String(source.partition),
      [DEAD_LETTER_HEADERS.originalOffset]: source.message.offset,
      [DEAD_LETTER_HEADERS.at]: input.at.toISOString(),
    },
  };
}

export type MarkerInput =
  | Readonly<{ kind: 'replayed'; record: DeadLetterRecord; key: Buffer | string | null; at: Date }>
  | Readonly<{ kind: 'replay-failed'; record: DeadLetterRecord; key: Buffer | string | null; at: Date; attempts: number; error: DeadLetterError }>;

/**
 * A marker appended after a replay. Kafka topics are append-only, so "mark replayed" is a later
 * entry folded over the parked one when listing. No value: the event is not copied again.
 */
export function encodeMarker(input: MarkerInput): Message {
  const headers: Record<string, string> = {
    [DEAD_LETTER_HEADERS.id]: input.record.id,
    [DEAD_LETTER_HEADERS.kind]: input.kind,
    [DEAD_LETTER_HEADERS.group]: input.record.group,
    [EVENT_HEADERS.eventId]: input.record.eventId,
    [DEAD_LETTER_HEADERS.at]: input.at.toISOString(),
  };
  if (input.kind === 'replay-failed') {
    Object.assign(headers, { [DEAD_LETTER_HEADERS.attempts]: String(input.attempts) }, errorHeaders(input.error));
  }
  return { key: input.key, value: null, headers };
}

const toInt = (text: string | undefined, fallback: number): number => {
  const value = text === undefined ? NaN : Number(text);
  return Number.isSafeInteger(value) ? value : fallback;
};

function errorOf(headers: IHeaders | undefined): DeadLetterError {
  return {
    name: readHeader(headers, DEAD_LETTER_HEADERS.errorName) ?? 'Error',
    message: readHeader(headers, DEAD_LETTER_HEADERS.errorMessage) ?? '',
    stack: readHeader(headers, DEAD_LETTER_HEADERS.errorStack) ?? null,
  };
}

/** Interpret one dead-letter topic entry; undefined for anything this bus did not write there. */
export function decodeDeadLetterEntry(logged: LoggedMessage): DeadLetterEntry | undefined {
  const { headers } = logged;
  const id = readHeader(headers, DEAD_LETTER_HEADERS.id);
  const group = readHeader(headers, DEAD_LETTER_HEADERS.group);
  const at = readHeader(headers, DEAD_LETTER_HEADERS.at);
  if (id === undefined || group === undefined || at === undefined) return undefined;
  const kind = readHeader(headers, DEAD_LETTER_HEADERS.kind);
  switch (kind) {
    case 'parked':
      return {
        kind,
        key: logged.key,
        value: logged.value,
        record: {
          id,
          group,
          position: toInt(readHeader(headers, EVENT_HEADERS.globalPosition), 0),
          eventId: readHeader(headers, EVENT_HEADERS.eventId) ?? '',
          eventType: readHeader(headers, EVENT_HEADERS.eventType) ?? '',
          streamName: readHeader(headers, EVENT_HEADERS.streamName) ?? '',
          error: errorOf(headers),
          attempts: toInt(readHeader(headers, DEAD_LETTER_HEADERS.attempts), 1),
          parkedAt: at,
          lastFailedAt: at,
          replayedAt: null,
        },
      };
    case 'replayed':
      return { kind, id, group, at };
    case 'replay-failed':
      return { kind, id, group, at, attempts: toInt(readHeader(headers, DEAD_LETTER_HEADERS.attempts), 1), error: errorOf(headers) };
    default:
      return undefined;
  }
}
