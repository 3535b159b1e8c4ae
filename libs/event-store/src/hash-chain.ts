import { createHash, hash as oneShotHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { EventMetadata } from '@ticketing/kernel';
import type { NewEvent, RecordedEvent } from './event-store.port';

/** `prevHash` of a stream's first event: there is no previous event to chain to. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * The fields a hash covers. `recordedAt` and `globalPosition` are deliberately absent: the store
 * assigns them when it commits (EventStoreDB assigns them server-side, after the client has sent the
 * event), and a stream copied to another store (SQLite → EventStoreDB, a restore, a migration) gets
 * new global positions and timestamps. The chain must survive that copy and must be computable
 * before the write, so it covers only what the appender decided plus the event's place in its stream.
 */
export type HashedContent = Readonly<{
  id: string;
  type: string;
  schemaVersion: number;
  data: Readonly<Record<string, unknown>>;
  metadata: EventMetadata;
  streamName: string;
  streamRevision: number;
  prevHash: string;
}>;

/** A new event with its place in the stream and in the chain, plus its JSON for adapters to store. */
export type ChainedEvent = HashedContent &
  Readonly<{
    hash: string;
    /**
     * JSON.stringify of `data`. Not canonical, and need not be: parsing it back yields a value with
     * the same canonical form, which is what `hashOf` recomputes when a chain is verified.
     */
    dataJson: string;
    /** JSON.stringify of `metadata`. */
    metadataJson: string;
  }>;

const canonical = (value: unknown, what: string): string => {
  const json = canonicalize(value);
  if (json === undefined) throw new TypeError(`${what} is not JSON-serializable`);
  return json;
};

// crypto.hash (one-shot, Node >= 20.12) is about twice as fast as createHash for short inputs.
const sha256Hex: (text: string) => string =
  typeof oneShotHash === 'function'
    ? (text) => oneShotHash('sha256', text, 'hex')
    : (text) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * RFC 8785 canonical JSON of the hashed fields. The envelope's keys are fixed, so it is assembled
 * around the library's canonical `data` and `metadata` (keys already in RFC 8785 order) instead of
 * canonicalizing everything twice; `canonicalJsonOf` checks this equals canonicalize(envelope).
 */
function envelopeJson(content: Omit<HashedContent, 'data' | 'metadata'>, dataJson: string, metadataJson: string): string {
  return (
    `{"data":${dataJson}` +
    `,"id":${JSON.stringify(content.id)}` +
    `,"metadata":${metadataJson}` +
    `,"prevHash":${JSON.stringify(content.prevHash)}` +
    `,"schemaVersion":${canonical(content.schemaVersion, 'schemaVersion')}` +
    `,"streamName":${JSON.stringify(content.streamName)}` +
    `,"streamRevision":${canonical(content.streamRevision, 'streamRevision')}` +
    `,"type":${JSON.stringify(content.type)}}`
  );
}

/** RFC 8785 canonical JSON of an event's hashed fields (what `hashOf` digests). */
export function canonicalJsonOf(content: HashedContent): string {
  return envelopeJson(content, canonical(content.data, 'data'), canonical(content.metadata, 'metadata'));
}

/** SHA-256 (lowercase hex) over the RFC 8785 canonical JSON of an event's hashed fields. */
export function hashOf(content: HashedContent): string {
  return sha256Hex(canonicalJsonOf(content));
}

/**
 * Chains new events onto a stream: the one place every adapter computes hashes.
 * @param prevHash hash of the stream's last event, or GENESIS_HASH for a new stream
 * @param firstRevision revision the first new event gets (last revision + 1; 0 for a new stream)
 */
export function chainEvents(
  streamName: string,
  prevHash: string,
  firstRevision: number,
  events: readonly NewEvent[],
): ChainedEvent[] {
  const chained: ChainedEvent[] = new Array(events.length);
  // The events of one command usually share one metadata object: serialize it once per append.
  let lastMetadata: EventMetadata | undefined;
  let metadataCanonical = '';
  let metadataJson = '';
  let previous = prevHash;
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    if (event.metadata !== lastMetadata) {
      lastMetadata = event.metadata;
      metadataCanonical = canonical(event.metadata, 'metadata');
      metadataJson = JSON.stringify(event.metadata);
    }
    const streamRevision = firstRevision + i;
    // The canonical strings are only hashed, never kept: the library builds them as deep string
    // concatenations, which are costly for the garbage collector once they outlive a young GC.
    const hash = sha256Hex(
      envelopeJson(
        { id: event.id, type: event.type, schemaVersion: event.schemaVersion, streamName, streamRevision, prevHash: previous },
        canonical(event.data, 'data'),
        metadataCanonical,
      ),
    );
    // Spelled out, not spread: an object spread here costs several times the hash itself.
    chained[i] = {
      id: event.id,
      type: event.type,
      schemaVersion: event.schemaVersion,
      data: event.data,
      metadata: event.metadata,
      streamName,
      streamRevision,
      prevHash: previous,
      hash,
      dataJson: JSON.stringify(event.data),
      metadataJson,
    };
    previous = hash;
  }
  return chained;
}

/** Outcome of checking a stream's chain; `brokenAtRevision` is the first revision that does not hold. */
export type ChainVerification =
  | Readonly<{ valid: true; eventsChecked: number; lastHash: string }>
  | Readonly<{
      valid: false;
      eventsChecked: number;
      brokenAtRevision: number;
      reason: 'revision_gap' | 'prev_hash_mismatch' | 'hash_mismatch' | 'stream_mismatch';
      /** What the link should hold and what it holds: the revision, the previous hash, the event's hash or its stream. */
      expected: string;
      found: string;
    }>;

type ChainLink = Pick<
  RecordedEvent,
  'id' | 'type' | 'schemaVersion' | 'data' | 'metadata' | 'streamName' | 'streamRevision' | 'prevHash' | 'hash'
>;

/**
 * Checks one stream's events incrementally, from revision 0, so an auditor can verify a stream of
 * any length while reading it page by page.
 */
export class ChainVerifier {
  private expectedRevision = 0;
  private previousHash = GENESIS_HASH;
  private streamName: string | undefined;
  private failure: Extract<ChainVerification, { valid: false }> | undefined;

  /** Feeds the next event; returns false once the chain is broken (later events are ignored). */
  push(event: ChainLink): boolean {
    if (this.failure) return false;
    const fail = (reason: Extract<ChainVerification, { valid: false }>['reason'], expected: string, found: string): false => {
      this.failure = { valid: false, eventsChecked: this.expectedRevision, brokenAtRevision: this.expectedRevision, reason, expected, found };
      return false;
    };
    this.streamName ??= event.streamName;
    if (event.streamName !== this.streamName) return fail('stream_mismatch', this.streamName, event.streamName);
    if (event.streamRevision !== this.expectedRevision) return fail('revision_gap', String(this.expectedRevision), String(event.streamRevision));
    if (event.prevHash !== this.previousHash) return fail('prev_hash_mismatch', this.previousHash, event.prevHash);
    const recomputed = hashOf(event);
    if (recomputed !== event.hash) return fail('hash_mismatch', recomputed, event.hash);
    this.previousHash = event.hash;
    this.expectedRevision++;
    return true;
  }

  result(): ChainVerification {
    return this.failure ?? { valid: true, eventsChecked: this.expectedRevision, lastHash: this.previousHash };
  }
}

/** Verifies one stream's events (from revision 0, in order): the auditor's tamper check. */
export function verifyChain(events: Iterable<ChainLink>): ChainVerification {
  const verifier = new ChainVerifier();
  for (const event of events) if (!verifier.push(event)) break;
  return verifier.result();
}

/** Verifies a stream read page by page (e.g. `store.readStream(name)`), never holding it whole. */
export async function verifyChainAsync(events: AsyncIterable<ChainLink>): Promise<ChainVerification> {
  const verifier = new ChainVerifier();
  for await (const event of events) if (!verifier.push(event)) break;
  return verifier.result();
}
