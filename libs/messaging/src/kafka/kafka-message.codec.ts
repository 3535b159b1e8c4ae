import type { IHeaders, Message } from 'kafkajs';
import { orderingKeyOf } from '@ticketing/contracts';
import type { RecordedEvent } from '@ticketing/event-store';

/** Headers of every event message; consumers dispatch on `event-type` without parsing the value. */
export const EVENT_HEADERS = {
  eventType: 'event-type',
  eventId: 'event-id',
  correlationId: 'correlation-id',
  causationId: 'causation-id',
  schemaVersion: 'schema-version',
  globalPosition: 'global-position',
  streamName: 'stream-name',
  contentType: 'content-type',
} as const;

/** Headers a dead-lettered copy carries on top of the original's. */
export const DEAD_LETTER_HEADERS = {
  id: 'dead-letter-id',
  /** `parked` on the copy of the message; `replayed` / `replay-failed` on markers appended later. */
  kind: 'dead-letter-kind',
  group: 'group',
  attempts: 'attempts',
  errorName: 'error-name',
  errorMessage: 'error-message',
  errorStack: 'error-stack',
  originalTopic: 'original-topic',
  originalPartition: 'original-partition',
  originalOffset: 'original-offset',
  at: 'dead-letter-at',
} as const;

const CONTENT_TYPE = 'application/json';

/** A message that cannot be a bus event: it is dead-lettered at once, retrying cannot fix it. */
export class PoisonMessageError extends Error {
  override readonly name = 'PoisonMessageError';
}

/**
 * The Kafka message for a recorded event: key = its stream's entity id (`orderingKeyOf`: the
 * ticket id of a ticket's streams, the agent id of `agent-<id>`, a singleton's name), so each
 * entity's events share a partition and keep their order; value = the recorded event as JSON (the
 * payload embedded handlers get, hash chain included).
 */
export function encodeEvent(event: RecordedEvent): Message {
  return {
    key: orderingKeyOf(event.streamName).id,
    value: JSON.stringify(event),
    headers: {
      [EVENT_HEADERS.eventType]: event.type,
      [EVENT_HEADERS.eventId]: event.id,
      [EVENT_HEADERS.correlationId]: event.metadata.correlationId,
      [EVENT_HEADERS.causationId]: event.metadata.causationId,
      [EVENT_HEADERS.schemaVersion]: String(event.schemaVersion),
      [EVENT_HEADERS.globalPosition]: String(event.globalPosition),
      [EVENT_HEADERS.streamName]: event.streamName,
      [EVENT_HEADERS.contentType]: CONTENT_TYPE,
      // W3C trace context, for tools and consumers that read headers (the value carries it too).
      ...(typeof event.metadata.traceparent === 'string' && { traceparent: event.metadata.traceparent }),
    },
  };
}

/** A header as a string; the last value when it was repeated; undefined when absent. */
export function readHeader(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  if (value === undefined) return undefined;
  const last = Array.isArray(value) ? value[value.length - 1] : value;
  return last === undefined ? undefined : last.toString();
}

/** Headers as strings, for copying a message (kafkajs hands them over as Buffers). */
export function copyHeaders(headers: IHeaders | undefined): Record<string, string> {
  const copy: Record<string, string> = {};
  for (const name of Object.keys(headers ?? {})) {
    const value = readHeader(headers, name);
    if (value !== undefined) copy[name] = value;
  }
  return copy;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The recorded event in a message's value. Throws `PoisonMessageError` when the value is not a
 * recorded event, or when it contradicts the `event-type` header the message was dispatched by.
 */
export function decodeEvent(value: Buffer | string | null, headerType: string | undefined): RecordedEvent {
  if (value === null) throw new PoisonMessageError('Message has no value');
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString());
  } catch (error) {
    throw new PoisonMessageError(`Message value is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!isObject(parsed)) throw new PoisonMessageError('Message value is not a JSON object');
  const problems: string[] = [];
  for (const field of ['id', 'type', 'streamName', 'recordedAt', 'prevHash', 'hash'] as const) {
    if (typeof parsed[field] !== 'string') problems.push(`${field} must be a string`);
  }
  for (const field of ['schemaVersion', 'streamRevision', 'globalPosition'] as const) {
    if (!Number.isInteger(parsed[field])) problems.push(`${field} must be an integer`);
  }
  if (!isObject(parsed['data'])) problems.push('data must be an object');
  const metadata = parsed['metadata'];
  if (!isObject(metadata)) problems.push('metadata must be an object');
  else {
    for (const field of ['correlationId', 'causationId', 'occurredAt'] as const) {
      if (typeof metadata[field] !== 'string') problems.push(`metadata.${field} must be a string`);
    }
    // Only events concerning a ticket carry one.
    if (metadata['ticketId'] !== undefined && typeof metadata['ticketId'] !== 'string') problems.push('metadata.ticketId must be a string when present');
    if (!isObject(metadata['actor'])) problems.push('metadata.actor must be an object');
  }
  if (problems.length > 0) throw new PoisonMessageError(`Message value is not a recorded event: ${problems.join('; ')}`);
  const event = parsed as RecordedEvent;
  if (headerType !== undefined && event.type !== headerType) {
    throw new PoisonMessageError(`Header ${EVENT_HEADERS.eventType}=${headerType} contradicts the event's type ${event.type}`);
  }
  return event;
}
