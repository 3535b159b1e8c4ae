import { canonicalJson, contentHashOf, openedFrom } from '@ticketing/contracts';
import type { KeyObject } from 'node:crypto';
import { verifyChain, type ChainVerification } from '@ticketing/event-store';
import { publicKeyFromPem, verifyManifestSignature } from '@ticketing/platform';
import {
  EVIDENCE_BUNDLE_FORMAT,
  evidenceItemOf,
  recordedHashOf,
  type EvidenceBundle,
  type EvidenceBundleItem,
  type EvidenceBundleStream,
} from './evidence-bundle';

/** Where a bundle stops matching: the item and/or the stream and revision concerned. */
export type BundleProblemLocation = Readonly<{ item?: string; stream?: string; revision?: number }>;

export type BundleVerification =
  | Readonly<{
      valid: true;
      ticketId: string;
      items: number;
      events: number;
      keyId: string;
      /**
       * `given`: verified with the public key passed in (integrity and origin, if that key came from
       * the operator). `embedded`: with the key the bundle carries, which proves integrity only:
       * anyone can re-sign an edited bundle with a key of their own and embed it.
       */
      keySource: 'given' | 'embedded';
    }>
  | Readonly<{ valid: false; problem: string; where: BundleProblemLocation }>;

export type ParsedEvidenceBundle = Readonly<{ ok: true; bundle: unknown }> | Readonly<{ ok: false; problem: string }>;

/** Parses a bundle file's text; invalid JSON (a truncated file, typically) is a problem, never an exception. */
export function parseEvidenceBundle(text: string): ParsedEvidenceBundle {
  const json = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (json.trim() === '') return { ok: false, problem: 'not JSON: the file is empty' };
  try {
    return { ok: true, bundle: JSON.parse(json) };
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message)?.[1] ?? String(json.length);
    return { ok: false, problem: `not JSON (truncated?) at position ${position} of ${json.length}: ${message}` };
  }
}

/** Parses and verifies a bundle file's text (what `ticketing audit verify-bundle FILE` does). */
export function verifyEvidenceBundleText(text: string, publicKey?: KeyObject): BundleVerification {
  const parsed = parseEvidenceBundle(text);
  return parsed.ok ? verifyEvidenceBundle(parsed.bundle, publicKey) : { valid: false, problem: parsed.problem, where: {} };
}

class BundleProblem extends Error {
  constructor(
    readonly problem: string,
    readonly where: BundleProblemLocation = {},
  ) {
    super(problem);
  }
}

function fail(problem: string, where: BundleProblemLocation = {}): never {
  throw new BundleProblem(problem, where);
}

/**
 * Verifies an evidence bundle offline, with nothing but the bundle and (ideally) the operator's
 * public key; stops at the first thing that does not match and names it. In order:
 * 1. its shape and format;
 * 2. the Ed25519 signature over the manifest (with `publicKey`, else with the embedded key);
 * 3. the manifest against the body: header, the streams and the items, each in order;
 * 4. each stream's hash chain (the event store's own `verifyChain`), length, head and store-assigned
 *    fields (recordedAt, globalPosition) against the manifest;
 * 5. each item: its content against its hash, its hash against the manifest, and the item against
 *    the event that recorded it in the chain; then that every evidence event of the chain has its item.
 */
export function verifyEvidenceBundle(bundle: unknown, publicKey?: KeyObject): BundleVerification {
  try {
    return verify(bundle, publicKey);
  } catch (error) {
    if (error instanceof BundleProblem) return { valid: false, problem: error.problem, where: error.where };
    return { valid: false, problem: `cannot verify: ${(error as Error).message}`, where: {} };
  }
}

function verify(input: unknown, publicKey: KeyObject | undefined): BundleVerification {
  const bundle = checkShape(input);
  const { manifest } = bundle;

  // 2. The signature over the manifest.
  let key = publicKey;
  const keySource = publicKey ? 'given' : 'embedded';
  if (!key) {
    if (typeof bundle.signature.publicKey !== 'string') fail('signature: the bundle embeds no public key; verify with the public key given by the operator');
    try {
      key = publicKeyFromPem(bundle.signature.publicKey);
    } catch (error) {
      fail(`signature: the embedded public key is unusable (${(error as Error).message})`);
    }
  }
  const signature = verifyManifestSignature({ manifest, signature: bundle.signature }, key);
  if (!signature.ok) fail(`signature: ${signature.problem}`);

  // 3. The manifest against the body.
  if (manifest.format !== EVIDENCE_BUNDLE_FORMAT) fail(`the manifest's format is ${JSON.stringify(manifest.format)}, expected "${EVIDENCE_BUNDLE_FORMAT}"`);
  for (const field of ['ticketId', 'exportedAt'] as const) {
    if (bundle[field] !== manifest[field]) fail(`${field} is ${JSON.stringify(bundle[field])}, the manifest says ${JSON.stringify(manifest[field])}`);
  }
  if (bundle.exportedBy.kind !== manifest.exportedBy.kind || bundle.exportedBy.id !== manifest.exportedBy.id) {
    fail(`exportedBy is ${actorText(bundle.exportedBy)}, the manifest says ${actorText(manifest.exportedBy)}`);
  }
  compareOrder(
    'stream',
    bundle.streams.map((stream) => stream.streamName),
    manifest.streams.map((stream) => stream.streamName),
    (stream) => ({ stream }),
  );
  compareOrder(
    'item',
    bundle.items.map((item) => item.evidenceId),
    manifest.items.map((item) => item.evidenceId),
    (item) => ({ item }),
  );

  // 4. Each stream's chain, and its length and head against the manifest.
  let events = 0;
  bundle.streams.forEach((stream, index) => {
    const listed = manifest.streams[index];
    const name = stream.streamName;
    const chain = verifyChain(stream.events);
    if (!chain.valid) failChain(stream, chain);
    const misplaced = stream.events.find((event) => event.streamName !== name);
    if (misplaced) fail(`stream ${name} revision ${misplaced.streamRevision}: the event belongs to stream ${misplaced.streamName}`, { stream: name, revision: misplaced.streamRevision });
    const count = stream.events.length;
    if (count < listed.events) {
      fail(`stream ${name} has ${count} events, the manifest lists ${listed.events} (up to revision ${listed.lastRevision}): truncated, revision ${count} onwards is missing`, { stream: name, revision: count });
    }
    if (count > listed.events) {
      fail(`stream ${name} has ${count} events, the manifest lists ${listed.events}: revision ${listed.events} onwards was added after signing`, { stream: name, revision: listed.events });
    }
    if (listed.lastRevision !== count - 1) fail(`stream ${name}: its last revision is ${count - 1}, the manifest lists ${listed.lastRevision}`, { stream: name });
    const lastHash = chain.lastHash;
    if (lastHash !== listed.lastHash) {
      fail(`stream ${name}: its last hash is ${lastHash}, the manifest lists ${listed.lastHash} (the stream was rewritten and re-hashed)`, { stream: name, revision: count - 1 });
    }
    if (recordedHashOf(stream.events) !== listed.recordedHash) {
      fail(`stream ${name}: the events' recordedAt/globalPosition are not those signed (changed after signing)`, { stream: name });
    }
    events += count;
  });

  // 5. Each item: content, hash, and the event that recorded it.
  const streamsByName = new Map(bundle.streams.map((stream) => [stream.streamName, stream]));
  const placesWithItems = new Set<string>();
  bundle.items.forEach((item, index) => {
    const id = item.evidenceId;
    const label = `item ${id} (${item.kind})`;
    const where = { item: id };
    const recomputed = contentHashOf(item.content);
    // Content whose personal data was erased cannot match its hash; it still must match its event (below).
    const recordedEvent = streamsByName.get(item.stream)?.events[item.revision];
    const recordedItem = recordedEvent === undefined ? undefined : evidenceItemOf(recordedEvent);
    const erased = recordedItem !== undefined && openedFrom(item.content, recordedItem.content).erased;
    if (recomputed !== item.contentHash && !erased) fail(`${label}: its content hashes to ${recomputed}, recorded ${item.contentHash} (the content was changed)`, where);
    const listedHash = manifest.items[index].contentHash;
    if (listedHash !== item.contentHash) fail(`${label}: its content hash is ${item.contentHash}, the manifest lists ${listedHash}`, where);

    const at = { item: id, stream: item.stream, revision: item.revision };
    const stream = streamsByName.get(item.stream);
    if (!stream) fail(`${label}: its stream ${item.stream} is not in the bundle`, at);
    // The chain holds (step 4): events[r] is revision r.
    const event = stream.events[item.revision];
    if (!event) fail(`${label}: stream ${item.stream} has no revision ${item.revision}`, at);
    const recorded = evidenceItemOf(event);
    if (!recorded) fail(`${label}: stream ${item.stream} revision ${item.revision} is a ${event.type} event, not evidence`, at);
    const differing = differingField(item, recorded);
    if (differing) fail(`${label} does not match the event that recorded it (stream ${item.stream} revision ${item.revision}): ${differing}`, at);
    const place = `${item.stream}\u0000${item.revision}`;
    if (placesWithItems.has(place)) fail(`${label}: stream ${item.stream} revision ${item.revision} already has an item (listed twice)`, at);
    placesWithItems.add(place);
  });
  for (const stream of bundle.streams) {
    for (const event of stream.events) {
      const recorded = evidenceItemOf(event);
      if (recorded && !placesWithItems.has(`${stream.streamName}\u0000${event.streamRevision}`)) {
        fail(`stream ${stream.streamName} revision ${event.streamRevision} records item ${recorded.evidenceId} (${recorded.kind}), which is not among the bundle's items (left out)`, {
          item: recorded.evidenceId,
          stream: stream.streamName,
          revision: event.streamRevision,
        });
      }
    }
  }

  return { valid: true, ticketId: bundle.ticketId, items: bundle.items.length, events, keyId: bundle.signature.keyId, keySource };
}

function failChain(stream: EvidenceBundleStream, chain: Extract<ChainVerification, { valid: false }>): never {
  const name = stream.streamName;
  const revision = chain.brokenAtRevision;
  const where = { stream: name, revision };
  // The verifier stops at the first event that breaks the chain: it sits at index `revision`.
  const event = stream.events[revision];
  switch (chain.reason) {
    case 'revision_gap':
      return fail(`stream ${name}: expected revision ${revision}, found revision ${event?.streamRevision} (an event is missing or the events are reordered)`, where);
    case 'prev_hash_mismatch':
      return fail(`stream ${name} revision ${revision}: prevHash does not match the hash of revision ${revision - 1} (an event was removed, inserted or replaced)`, where);
    case 'hash_mismatch':
      return fail(`stream ${name} revision ${revision}: hash mismatch (the event was changed)`, where);
    case 'stream_mismatch':
      return fail(`stream ${name} revision ${revision}: the event belongs to stream ${event?.streamName}`, where);
  }
}

/**
 * Names the first position where the body's list and the manifest's differ: a missing, an added,
 * or a moved entry.
 */
function compareOrder(noun: string, body: readonly string[], listed: readonly string[], where: (id: string) => BundleProblemLocation): void {
  const inBody = new Set(body);
  const inManifest = new Set(listed);
  for (let i = 0; i < Math.max(body.length, listed.length); i++) {
    const actual = body[i];
    const expected = listed[i];
    if (actual === expected) continue;
    if (expected !== undefined && !inBody.has(expected)) fail(`${noun} ${expected} listed by the manifest is missing from the bundle (${noun} ${i + 1} of ${listed.length})`, where(expected));
    if (actual !== undefined && !inManifest.has(actual)) fail(`${noun} ${i + 1} is ${actual}, which the manifest does not list (added after signing?)`, where(actual));
    if (actual === undefined) fail(`the bundle has ${body.length} ${noun}s, the manifest lists ${listed.length}: ${noun} ${expected} is missing`, where(expected));
    if (expected === undefined) fail(`the bundle has ${body.length} ${noun}s, the manifest lists ${listed.length}: ${noun} ${actual} is extra`, where(actual));
    fail(`${noun} ${i + 1} is ${actual}, the manifest lists ${expected} at that place (reordered?)`, where(actual));
  }
}

/** The first field in which an item differs from the one its event records, described; undefined when none does. */
function differingField(item: EvidenceBundleItem, recorded: EvidenceBundleItem): string | undefined {
  const fields = ['evidenceId', 'contentHash', 'content', 'kind', 'round', 'submittedBy', 'submittedAt'] as const;
  for (const field of fields) {
    // The event holds personal data sealed; the item holds it opened (or `[erased]`).
    if (field === 'content' ? openedFrom(item.content, recorded.content).matches : canonicalJson(item[field]) === canonicalJson(recorded[field])) continue;
    return field === 'content'
      ? 'its content differs from the event’s'
      : `its ${field} is ${canonicalJson(item[field])}, the event records ${canonicalJson(recorded[field] ?? null)}`;
  }
  return undefined;
}

const actorText = (actor: { kind: string; id: string }): string => `${actor.kind}:${actor.id}`;

// ---- 1. Shape -------------------------------------------------------------------------------------

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === 'string';
const isInteger = (value: unknown): value is number => Number.isSafeInteger(value);
const isActor = (value: unknown): boolean => isObject(value) && isString(value['kind']) && isString(value['id']);

type FieldCheck = readonly [name: string, test: (value: unknown) => boolean, expected: string];

const ITEM_FIELDS: readonly FieldCheck[] = [
  ['evidenceId', isString, 'a string'],
  ['stream', isString, 'a string'],
  ['revision', (v) => isInteger(v) && v >= 0, 'a revision'],
  ['kind', isString, 'a string'],
  ['round', (v) => v === null || isInteger(v), 'a round or null'],
  ['content', isObject, 'an object'],
  ['contentHash', isString, 'a string'],
  ['submittedBy', isActor, 'an actor {kind, id}'],
  ['submittedAt', isString, 'a string'],
];

const EVENT_FIELDS: readonly FieldCheck[] = [
  ['id', isString, 'a string'],
  ['type', isString, 'a string'],
  ['schemaVersion', isInteger, 'an integer'],
  ['data', isObject, 'an object'],
  ['metadata', isObject, 'an object'],
  ['streamName', isString, 'a string'],
  ['streamRevision', isInteger, 'an integer'],
  ['prevHash', isString, 'a string'],
  ['hash', isString, 'a string'],
  ['recordedAt', isString, 'a string'],
  ['globalPosition', (v) => typeof v === 'number' && Number.isFinite(v), 'a number'],
];

const MANIFEST_ITEM_FIELDS: readonly FieldCheck[] = [
  ['evidenceId', isString, 'a string'],
  ['contentHash', isString, 'a string'],
];

const MANIFEST_STREAM_FIELDS: readonly FieldCheck[] = [
  ['streamName', isString, 'a string'],
  ['events', (v) => isInteger(v) && v >= 0, 'a count'],
  ['lastRevision', (v) => isInteger(v) && v >= -1, 'a revision'],
  ['lastHash', isString, 'a string'],
  ['recordedHash', isString, 'a string'],
];

const HEADER_FIELDS: readonly FieldCheck[] = [
  ['ticketId', isString, 'a string'],
  ['exportedAt', isString, 'a string'],
  ['exportedBy', isActor, 'an actor {kind, id}'],
];

function notABundle(what: string, where: BundleProblemLocation = {}): never {
  return fail(`not an evidence bundle: ${what}`, where);
}

function checkFields(value: unknown, path: string, fields: readonly FieldCheck[], where: BundleProblemLocation = {}): void {
  if (!isObject(value)) notABundle(`${path} is not an object`, where);
  for (const [name, test, expected] of fields) {
    if (!test((value as Json)[name])) notABundle(`${path}.${name} is ${name in (value as Json) ? 'not ' + expected : 'missing'}`, where);
  }
}

function checkArray(value: unknown, path: string): readonly unknown[] {
  if (!Array.isArray(value)) notABundle(`${path} is ${value === undefined ? 'missing' : 'not an array'}`);
  return value as unknown[];
}

/** 1. A bundle of this format, with every field the later checks read, of the right type. */
function checkShape(input: unknown): EvidenceBundle {
  if (!isObject(input)) notABundle('not a JSON object');
  const bundle = input as Json;
  if (bundle['format'] !== EVIDENCE_BUNDLE_FORMAT) {
    notABundle(`${'format' in bundle ? `format ${JSON.stringify(bundle['format'])}` : 'no format'}; expected "${EVIDENCE_BUNDLE_FORMAT}"`);
  }
  checkFields(bundle, 'bundle', HEADER_FIELDS);

  checkArray(bundle['items'], 'items').forEach((item, i) => {
    const id = isObject(item) && isString(item['evidenceId']) ? item['evidenceId'] : undefined;
    checkFields(item, `items[${i}]`, ITEM_FIELDS, id === undefined ? {} : { item: id });
  });
  checkArray(bundle['streams'], 'streams').forEach((stream, s) => {
    checkFields(stream, `streams[${s}]`, [['streamName', isString, 'a string']]);
    const name = (stream as Json)['streamName'] as string;
    checkArray((stream as Json)['events'], `streams[${s}].events`).forEach((event, e) => {
      checkFields(event, `streams[${s}].events[${e}]`, EVENT_FIELDS, { stream: name, revision: e });
    });
  });

  if (!isObject(bundle['signature'])) notABundle(`signature is ${bundle['signature'] === undefined ? 'missing' : 'not an object'}`);
  const manifest = bundle['manifest'];
  checkFields(manifest, 'manifest', [['format', isString, 'a string'], ...HEADER_FIELDS]);
  checkArray((manifest as Json)['items'], 'manifest.items').forEach((item, i) => checkFields(item, `manifest.items[${i}]`, MANIFEST_ITEM_FIELDS));
  checkArray((manifest as Json)['streams'], 'manifest.streams').forEach((stream, s) => checkFields(stream, `manifest.streams[${s}]`, MANIFEST_STREAM_FIELDS));
  return input as unknown as EvidenceBundle;
}
