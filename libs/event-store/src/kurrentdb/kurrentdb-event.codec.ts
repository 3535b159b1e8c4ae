import { v5 as uuidv5, validate as isUuid } from 'uuid';
import { ValidationError, type EventMetadata } from '@ticketing/kernel';
import type { Position } from '@kurrent/kurrentdb-client';
import type { RecordedEvent } from '../event-store.port';
import type { ChainedEvent } from '../hash-chain';
import { toGlobalPosition } from './kurrentdb-position';

/*
 * How one of our events is laid out in an EventStoreDB event:
 *   - event type: our `type`; data: our `data` as JSON (content type application/json, so server-side
 *     projections and the UI can read it);
 *   - event id: our id when it is a UUID, else a UUIDv5 of it (the server only takes UUIDs);
 *   - metadata (JSON): `ticketing` holds what the server has no field for — our id, schema version,
 *     recordedAt, the hash chain and our EventMetadata — plus `$correlationId`/`$causationId`, the keys
 *     the server's own $by_correlation_id projection and tooling understand.
 * An event without the `ticketing` envelope was not written by this adapter: readers of $all skip it
 * like the server's own `$` events; a stream read fails loudly on it, since a stream we own is corrupt.
 */

export const ENVELOPE_VERSION = 1;

/** Our part of an event's metadata. */
export type StoredEnvelope = Readonly<{
  v: typeof ENVELOPE_VERSION;
  id: string;
  schemaVersion: number;
  recordedAt: string;
  prevHash: string;
  hash: string;
  metadata: EventMetadata;
}>;

/** The whole metadata object stored with an event. */
export type StoredMetadata = Readonly<{
  $correlationId: string;
  $causationId: string;
  ticketing: StoredEnvelope;
}>;

/** The fields of a server event this codec reads (the client's RecordedEvent, JSON or binary). */
export type ServerEvent = Readonly<{
  streamId: string;
  id: string;
  revision: bigint;
  type: string;
  isJson: boolean;
  data: unknown;
  metadata?: unknown;
  position?: Position;
}>;

// Fixed forever: changing it would give retried appends of non-UUID ids new server ids.
const EVENT_ID_NAMESPACE = '0d5e6a7b-2c1f-4e8a-9b3d-6f4c2a1e8d70';

/** The server-side id of one of our events: idempotent retries must map to the same one. */
export function serverEventId(id: string): string {
  return isUuid(id) ? id.toLowerCase() : uuidv5(id, EVENT_ID_NAMESPACE);
}

export function storedMetadataOf(event: ChainedEvent, recordedAt: string): StoredMetadata {
  return {
    $correlationId: event.metadata.correlationId,
    $causationId: event.metadata.causationId,
    ticketing: {
      v: ENVELOPE_VERSION,
      id: event.id,
      schemaVersion: event.schemaVersion,
      recordedAt,
      prevHash: event.prevHash,
      hash: event.hash,
      // Parsed from the hashed JSON, not the caller's object: what is stored is what was hashed.
      metadata: JSON.parse(event.metadataJson) as EventMetadata,
    },
  };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);

const HASH = /^[0-9a-f]{64}$/;

/** Our envelope in an event's metadata; undefined when the event is not ours; throws when it is ours but damaged. */
export function envelopeOf(metadata: unknown, eventDescription: string): StoredEnvelope | undefined {
  if (!isObject(metadata) || !isObject(metadata['ticketing'])) return undefined;
  const envelope = metadata['ticketing'];
  const problems: string[] = [];
  if (envelope['v'] !== ENVELOPE_VERSION) problems.push(`unknown envelope version ${String(envelope['v'])}`);
  if (typeof envelope['id'] !== 'string' || envelope['id'].length === 0) problems.push('id');
  const schemaVersion = envelope['schemaVersion'];
  if (typeof schemaVersion !== 'number' || !Number.isSafeInteger(schemaVersion) || schemaVersion < 1) {
    problems.push('schemaVersion');
  }
  if (typeof envelope['recordedAt'] !== 'string') problems.push('recordedAt');
  if (typeof envelope['prevHash'] !== 'string' || !HASH.test(envelope['prevHash'])) problems.push('prevHash');
  if (typeof envelope['hash'] !== 'string' || !HASH.test(envelope['hash'])) problems.push('hash');
  if (!isObject(envelope['metadata'])) problems.push('metadata');
  if (problems.length > 0) {
    throw new Error(`${eventDescription} has a damaged ticketing envelope (${problems.join(', ')})`);
  }
  return envelope as StoredEnvelope;
}

/**
 * Maps our stream names to the server's: every stream gets the namespace as a prefix, so several
 * deployments (or test runs) can share one database without seeing each other's events.
 */
export class StreamNames {
  constructor(readonly namespace = '') {
    if (namespace.startsWith('$')) {
      throw new ValidationError('A stream namespace must not start with "$": those are the server\'s system streams', [
        { field: 'streamNamespace', message: 'must not start with $' },
      ]);
    }
  }

  /** The server's name for one of our streams. Names starting with `$` are the server's: refused. */
  toServer(streamName: string): string {
    if (streamName.startsWith('$')) {
      throw new ValidationError(`Invalid stream name ${streamName}`, [
        { field: 'streamName', message: 'must not start with $ (reserved for the event store\'s system streams)' },
      ]);
    }
    return this.namespace + streamName;
  }

  /** Our name for a server stream; undefined for system streams and streams outside the namespace. */
  fromServer(serverName: string): string | undefined {
    if (serverName.startsWith('$') || !serverName.startsWith(this.namespace)) return undefined;
    const name = serverName.slice(this.namespace.length);
    return name.length > 0 ? name : undefined;
  }
}

const describe = (event: ServerEvent): string => `Event ${event.id} (${event.streamId}@${event.revision})`;

/**
 * The RecordedEvent a server event stands for, or undefined when it is not one of ours (a system
 * event, another namespace, another application's event). Throws when it is ours but cannot be
 * represented faithfully (damaged envelope, non-object data, unmappable position).
 */
export function decodeServerEvent(event: ServerEvent, names: StreamNames): RecordedEvent | undefined {
  const streamName = names.fromServer(event.streamId);
  if (streamName === undefined) return undefined;
  const envelope = envelopeOf(event.metadata, describe(event));
  if (!envelope) return undefined;
  if (!event.isJson || !isObject(event.data)) {
    throw new Error(`${describe(event)} carries a ticketing envelope but its data is not a JSON object`);
  }
  if (event.revision > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new Error(`${describe(event)} has a stream revision beyond ${Number.MAX_SAFE_INTEGER}`);
  }
  return {
    id: envelope.id,
    type: event.type,
    schemaVersion: envelope.schemaVersion,
    data: event.data,
    metadata: envelope.metadata,
    streamName,
    streamRevision: Number(event.revision),
    globalPosition: toGlobalPosition(event.position, describe(event)),
    recordedAt: envelope.recordedAt,
    prevHash: envelope.prevHash,
    hash: envelope.hash,
  };
}
