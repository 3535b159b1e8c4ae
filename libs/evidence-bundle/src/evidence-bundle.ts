import { contentHashOf, openedFrom, type EvidenceSubmitted, type RecoveryProofSubmitted } from '@ticketing/contracts';
import { verifyChain, type EventStore, type RecordedEvent } from '@ticketing/event-store';
import type { Actor } from '@ticketing/kernel';
import { signManifest, type BundleSigner, type ManifestSignature } from '@ticketing/platform';

/**
 * An evidence bundle: one JSON document (`JSON.stringify(bundle, null, 2)` is the file) holding a
 * dispute's evidence items with their content hashes, the full hash chains of the case's streams,
 * and a manifest signed with Ed25519 (`SignedManifest` of libs/platform: `manifest` + `signature`).
 * `verifyEvidenceBundle` checks it offline with nothing but the file and the public key.
 */
export const EVIDENCE_BUNDLE_FORMAT = 'ticketing.evidence-bundle/v1';

/** One evidence item, as recorded by its event at (`stream`, `revision`). */
export type EvidenceBundleItem = Readonly<{
  /** EvidenceSubmitted: its evidenceId. RecoveryProofSubmitted: the event's id. */
  evidenceId: string;
  stream: string;
  revision: number;
  /** EvidenceSubmitted: its kind (`trade_log`, …). RecoveryProofSubmitted: `proof:<condition>`. */
  kind: string;
  /** The dispute round the item was submitted in; null for a recovery proof (recoveries have no rounds). */
  round: number | null;
  /**
   * The content, personal data opened: the event holds it sealed, so it is checked against
   * `contentHash`. A value reading `[erased]` (its key destroyed) leaves the item unverifiable
   * by content, not invalid.
   */
  content: Readonly<Record<string, unknown>>;
  /** SHA-256 (hex) of the RFC 8785 canonical JSON of `content` (as submitted, in clear). */
  contentHash: string;
  submittedBy: Actor;
  submittedAt: string;
}>;

/** How a bundle opens the personal data its items hold sealed (the application's event store reveal). */
export type EvidenceBundleOptions = Readonly<{ open?: (event: RecordedEvent) => RecordedEvent | Promise<RecordedEvent> }>;

/** A stream's events as the store recorded them, with their place in the hash chain. */
export type EvidenceBundleEvent = RecordedEvent;

export type EvidenceBundleStream = Readonly<{ streamName: string; events: readonly EvidenceBundleEvent[] }>;

export type EvidenceBundleManifestItem = Readonly<{ evidenceId: string; contentHash: string }>;

export type EvidenceBundleManifestStream = Readonly<{
  streamName: string;
  /** How many events the bundle holds for the stream (all of them, from revision 0). */
  events: number;
  lastRevision: number;
  /** Hash of the stream's last event: the whole chain up to it is fixed by this one value. */
  lastHash: string;
  /**
   * `recordedHashOf` the stream's events: fixes what the hash chain leaves out (`recordedAt`,
   * `globalPosition`: store-assigned, they change when a stream is copied to another store).
   */
  recordedHash: string;
}>;

/** What the signature covers: the bundle's header, every item's hash, every stream's length and head. */
export type EvidenceBundleManifest = Readonly<{
  format: typeof EVIDENCE_BUNDLE_FORMAT;
  ticketId: string;
  exportedAt: string;
  exportedBy: Actor;
  /** Same order as the bundle's items. */
  items: readonly EvidenceBundleManifestItem[];
  /** Same order as the bundle's streams. */
  streams: readonly EvidenceBundleManifestStream[];
}>;

export type EvidenceBundle = Readonly<{
  format: typeof EVIDENCE_BUNDLE_FORMAT;
  ticketId: string;
  exportedAt: string;
  exportedBy: Actor;
  items: readonly EvidenceBundleItem[];
  streams: readonly EvidenceBundleStream[];
  manifest: EvidenceBundleManifest;
  signature: ManifestSignature;
}>;

export type EvidenceBundleInput = Readonly<{
  ticketId: string;
  exportedAt: string;
  exportedBy: Actor;
  /** The case's streams (`dispute-<id>`, `recovery-<id>`), each read whole from revision 0. */
  streams: readonly Readonly<{ streamName: string; events: readonly RecordedEvent[] }>[];
}>;

/** The fields of an event an evidence item is derived from. */
export type EvidenceSource = Pick<RecordedEvent, 'id' | 'type' | 'data' | 'streamName' | 'streamRevision'>;

/**
 * The evidence item an event records, or undefined for an event that records none: EvidenceSubmitted
 * (dispute stream) and RecoveryProofSubmitted (recovery stream) do. The verifier derives items from
 * the chain with this same function, so an item cannot say anything its event does not.
 */
export function evidenceItemOf(event: EvidenceSource): EvidenceBundleItem | undefined {
  switch (event.type) {
    case 'EvidenceSubmitted': {
      const data = event.data as EvidenceSubmitted['data'];
      return {
        evidenceId: data.evidenceId,
        stream: event.streamName,
        revision: event.streamRevision,
        kind: data.kind,
        round: data.round,
        content: data.content,
        contentHash: data.contentHash,
        submittedBy: data.submittedBy,
        submittedAt: data.submittedAt,
      };
    }
    case 'RecoveryProofSubmitted': {
      const data = event.data as RecoveryProofSubmitted['data'];
      return {
        evidenceId: event.id,
        stream: event.streamName,
        revision: event.streamRevision,
        kind: `proof:${data.condition}`,
        round: null,
        content: data.content,
        contentHash: data.contentHash,
        submittedBy: data.submittedBy,
        submittedAt: data.submittedAt,
      };
    }
    default:
      return undefined;
  }
}

/**
 * Builds and signs a dispute's evidence bundle from its streams; the items are derived from the
 * events. Streams without events are left out. Refuses (throws) to sign what would not verify: a
 * stream that does not start at revision 0, breaks its hash chain, or holds an item whose content
 * does not hash to its recorded hash. That is a store integrity problem, not a bundle to hand out.
 */
export async function buildEvidenceBundle(input: EvidenceBundleInput, signer: BundleSigner, options: EvidenceBundleOptions = {}): Promise<EvidenceBundle> {
  const refuse = (reason: string): Error => new Error(`Refusing to sign the evidence bundle of ticket ${input.ticketId}: ${reason}`);
  const seen = new Set<string>();
  const streams: EvidenceBundleStream[] = [];
  const manifestStreams: EvidenceBundleManifestStream[] = [];
  const items: EvidenceBundleItem[] = [];

  for (const { streamName, events } of input.streams) {
    if (seen.has(streamName)) throw refuse(`stream ${streamName} is given twice`);
    seen.add(streamName);
    if (events.length === 0) continue;
    const misplaced = events.find((event) => event.streamName !== streamName);
    if (misplaced) throw refuse(`stream ${streamName} holds event ${misplaced.id} of stream ${misplaced.streamName}`);
    const chain = verifyChain(events);
    if (!chain.valid) throw refuse(`stream ${streamName} breaks its hash chain at revision ${chain.brokenAtRevision} (${chain.reason})`);

    streams.push({ streamName, events: events.map(bundleEventOf) });
    manifestStreams.push({ streamName, events: events.length, lastRevision: events.length - 1, lastHash: chain.lastHash, recordedHash: recordedHashOf(events) });
    for (const event of events) {
      const recorded = evidenceItemOf(event);
      if (!recorded) continue;
      const item = options.open ? evidenceItemOf(await options.open(event))! : recorded;
      const opening = openedFrom(item.content, recorded.content);
      if (!opening.matches) throw refuse(`item ${item.evidenceId} (stream ${streamName} revision ${event.streamRevision}) opened to content other than its event's`);
      const recomputed = contentHashOf(item.content);
      if (recomputed !== item.contentHash && !opening.erased) {
        throw refuse(`item ${item.evidenceId} (stream ${streamName} revision ${event.streamRevision}) records content hash ${item.contentHash}, its content hashes to ${recomputed}`);
      }
      items.push(item);
    }
  }

  const manifest: EvidenceBundleManifest = {
    format: EVIDENCE_BUNDLE_FORMAT,
    ticketId: input.ticketId,
    exportedAt: input.exportedAt,
    exportedBy: { kind: input.exportedBy.kind, id: input.exportedBy.id },
    items: items.map(({ evidenceId, contentHash }) => ({ evidenceId, contentHash })),
    streams: manifestStreams,
  };
  const { signature } = await signManifest(manifest, signer);
  return {
    format: EVIDENCE_BUNDLE_FORMAT,
    ticketId: input.ticketId,
    exportedAt: input.exportedAt,
    exportedBy: manifest.exportedBy,
    items,
    streams,
    manifest,
    signature,
  };
}

/**
 * SHA-256 (hex) over the RFC 8785 canonical JSON of the events' `[recordedAt, globalPosition]` pairs,
 * in order: the store-assigned fields, which the hash chain does not cover, covered by the signature.
 */
export function recordedHashOf(events: readonly Pick<RecordedEvent, 'recordedAt' | 'globalPosition'>[]): string {
  return contentHashOf(events.map((event) => [event.recordedAt, event.globalPosition]));
}

/** The stored fields only, in a fixed order (adapters may hand out more, e.g. a ChainedEvent's JSON). */
function bundleEventOf(event: RecordedEvent): EvidenceBundleEvent {
  return {
    id: event.id,
    type: event.type,
    schemaVersion: event.schemaVersion,
    data: event.data,
    metadata: event.metadata,
    streamName: event.streamName,
    streamRevision: event.streamRevision,
    prevHash: event.prevHash,
    hash: event.hash,
    recordedAt: event.recordedAt,
    globalPosition: event.globalPosition,
  };
}

/** The named streams read whole, in the order given, leaving out those without events: what a bundle is built from. */
export async function readBundleStreams(eventStore: EventStore, streamNames: readonly string[]): Promise<{ streamName: string; events: RecordedEvent[] }[]> {
  const streams: { streamName: string; events: RecordedEvent[] }[] = [];
  for (const streamName of streamNames) {
    const events: RecordedEvent[] = [];
    for await (const event of eventStore.readStream(streamName)) events.push(event);
    if (events.length > 0) streams.push({ streamName, events });
  }
  return streams;
}
