import { contentHashOf, type EvidenceKind } from '@ticketing/contracts';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chainEvents, GENESIS_HASH, MemoryEventStore, type NewEvent, type RecordedEvent } from '@ticketing/event-store';
import { deterministicId, ManualClock, type Actor } from '@ticketing/kernel';
import { publicKeyFromPem, signerFromPrivateKey, signManifest, type BundleSigner } from '@ticketing/platform';
import { parseEvidenceBundle, verifyEvidenceBundle, verifyEvidenceBundleText } from './bundle-verifier';
import { buildEvidenceBundle, EVIDENCE_BUNDLE_FORMAT, recordedHashOf, type EvidenceBundle } from './evidence-bundle';

const TICKET = '0195f0a2-6c1e-7b3d-9a41-5e2f8c7d1b00';
const DISPUTE = `dispute-${TICKET}`;
const RECOVERY = `recovery-${TICKET}`;
const customer: Actor = { kind: 'customer', id: 'c-3381' };
const agent: Actor = { kind: 'agent', id: 'a-17' };
const supervisor: Actor = { kind: 'supervisor', id: 's-4' };
const auditor: Actor = { kind: 'auditor', id: 'au-2' };

const TRADE_LOG = {
  symbol: 'BTCUSDT-PERP',
  orders: [
    { orderId: 'o-88120', side: 'buy', type: 'limit', price: '64980.0', size: '0.750', status: 'filled', at: '2026-03-02T09:14:05.120Z' },
    { orderId: 'o-88131', side: 'sell', type: 'liquidation', price: '64210.5', size: '0.750', status: 'filled', at: '2026-03-02T11:02:41.007Z' },
  ],
  fills: [
    { fillId: 'f-1', orderId: 'o-88120', price: '64980.0', size: '0.750', fee: '9.747', feeAsset: 'USDT', at: '2026-03-02T09:14:05.311Z' },
    { fillId: 'f-2', orderId: 'o-88131', price: '64210.5', size: '0.750', fee: '24.079', feeAsset: 'USDT', at: '2026-03-02T11:02:41.020Z' },
  ],
  marginRatios: [
    { at: '2026-03-02T10:00:00.000Z', ratio: '0.3120' },
    { at: '2026-03-02T11:00:00.000Z', ratio: '0.0912' },
    { at: '2026-03-02T11:02:40.000Z', ratio: '0.0049' },
  ],
};
const INDEX_PRICE = {
  symbol: 'BTCUSDT',
  at: '2026-03-02T11:02:41.000Z',
  price: '64377.2',
  constituents: [
    { exchange: 'alpha', price: '64380.1', weight: '0.40' },
    { exchange: 'beta', price: '64371.9', weight: '0.35' },
    { exchange: 'gamma', price: '64379.4', weight: '0.25' },
  ],
};
const STATEMENT = { language: 'en', text: 'The index never went that low; my position was liquidated at a price ~0.26% below it.' };
const PROOF = { method: 'signed_message', address: '0x9f2c41d0e3b7a8c5d6e1f2a3b4c5d6e7f8a9b0c1', message: `ticket ${TICKET}`, signature: '0x5b1e…' };

let sequence = 0;
function event(type: string, data: Record<string, unknown>, actor: Actor, occurredAt: string): NewEvent {
  sequence += 1;
  return {
    id: deterministicId(`test:${type}:${sequence}`),
    type,
    schemaVersion: 1,
    data,
    metadata: { ticketId: TICKET, correlationId: `corr-${sequence}`, causationId: `cause-${sequence}`, actor, occurredAt },
  };
}

function evidence(kind: EvidenceKind, content: Record<string, unknown>, by: Actor, at: string): NewEvent {
  const contentHash = contentHashOf(content);
  const evidenceId = deterministicId(`evidence:${TICKET}:${kind}:${contentHash}`);
  return event('EvidenceSubmitted', { ticketId: TICKET, round: 1, evidenceId, kind, content, contentHash, submittedBy: by, submittedAt: at }, by, at);
}

const disputeEvents = (): NewEvent[] => [
  event(
    'DisputeOpened',
    {
      ticketId: TICKET,
      round: 1,
      customerId: customer.id,
      position: { symbol: 'BTCUSDT-PERP', side: 'long', size: '0.750', leverage: '20', marginMode: 'isolated' },
      liquidationPrice: '64210.5',
      liquidatedAt: '2026-03-02T11:02:41.007Z',
      tolerance: '0.002',
      openedBy: customer,
      openedAt: '2026-03-02T12:00:00.000Z',
      appealOf: null,
    },
    customer,
    '2026-03-02T12:00:00.000Z',
  ),
  evidence('trade_log', TRADE_LOG, agent, '2026-03-02T12:10:00.000Z'),
  evidence('index_price', INDEX_PRICE, agent, '2026-03-02T12:11:00.000Z'),
  evidence('statement', STATEMENT, customer, '2026-03-02T12:15:00.000Z'),
  event(
    'DeviationAssessed',
    {
      ticketId: TICKET,
      round: 1,
      deviation: '0.00258',
      tolerance: '0.002',
      withinTolerance: false,
      indexPrice: '64377.2',
      liquidationPrice: '64210.5',
      evidenceIds: [],
      assessedAt: '2026-03-02T12:11:00.500Z',
    },
    agent,
    '2026-03-02T12:11:00.500Z',
  ),
  event(
    'DisputeDecided',
    {
      ticketId: TICKET,
      round: 1,
      outcome: 'compensated',
      compensation: { amount: '125.02', asset: 'USDT' },
      reason: 'Liquidated 0.26% below the index, beyond the 0.2% tolerance.',
      citedEvidenceIds: [],
      decidedBy: supervisor,
      decidedAt: '2026-03-03T08:30:00.000Z',
    },
    supervisor,
    '2026-03-03T08:30:00.000Z',
  ),
];

const recoveryEvents = (): NewEvent[] => [
  event(
    'RecoveryRequested',
    {
      ticketId: TICKET,
      customerId: customer.id,
      deposit: { asset: 'USDT', amount: '2500', txHash: '0xabc123', sentNetwork: 'BSC', expectedNetwork: 'ETH', address: PROOF.address, memo: null },
      rule: 'evm-same-address',
      conditions: ['proof_of_ownership'],
      requestedBy: customer,
      requestedAt: '2026-03-04T09:00:00.000Z',
    },
    customer,
    '2026-03-04T09:00:00.000Z',
  ),
  event(
    'RecoveryProofSubmitted',
    { ticketId: TICKET, condition: 'proof_of_ownership', content: PROOF, contentHash: contentHashOf(PROOF), submittedBy: customer, submittedAt: '2026-03-04T09:30:00.000Z' },
    customer,
    '2026-03-04T09:30:00.000Z',
  ),
];

async function readAll(store: MemoryEventStore, streamName: string): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const recorded of store.readStream(streamName)) events.push(recorded);
  return events;
}

type Case = Readonly<{ dispute: RecordedEvent[]; recovery: RecordedEvent[] }>;

async function recordCase(): Promise<Case> {
  const store = new MemoryEventStore({ clock: new ManualClock('2026-03-05T00:00:00.000Z') });
  await store.append(DISPUTE, disputeEvents(), { expectedRevision: 'no_stream' });
  await store.append(RECOVERY, recoveryEvents(), { expectedRevision: 'no_stream' });
  return { dispute: await readAll(store, DISPUTE), recovery: await readAll(store, RECOVERY) };
}

const exportInput = (recorded: Case) => ({
  ticketId: TICKET,
  exportedAt: '2026-03-05T10:00:00.000Z',
  exportedBy: auditor,
  streams: [
    { streamName: DISPUTE, events: recorded.dispute },
    { streamName: RECOVERY, events: recorded.recovery },
  ],
});

/** A mutable deep copy, as a tamperer would have it after parsing the file. */
type Mutable = {
  ticketId: string;
  items: { evidenceId: string; kind: string; content: Record<string, unknown>; contentHash: string }[];
  streams: { streamName: string; events: { data: Record<string, unknown>; streamRevision: number; hash: string; prevHash: string }[] }[];
  manifest: { exportedAt: string; items: { evidenceId: string; contentHash: string }[]; streams: unknown[] };
  signature: EvidenceBundle['signature'];
};
const copyOf = (bundle: EvidenceBundle): Mutable => JSON.parse(JSON.stringify(bundle));

describe('evidence bundles', () => {
  let recorded: Case;
  let signer: BundleSigner;
  let publicKey: KeyObject;
  let bundle: EvidenceBundle;
  let text: string;

  beforeAll(async () => {
    recorded = await recordCase();
    signer = signerFromPrivateKey(generateKeyPairSync('ed25519').privateKey);
    publicKey = publicKeyFromPem(signer.publicKeyPem);
    bundle = await buildEvidenceBundle(exportInput(recorded), signer);
    text = JSON.stringify(bundle, null, 2);
  });

  const itemOfKind = (kind: string) => bundle.items.find((item) => item.kind === kind)!;

  describe('building', () => {
    it('holds every item with its hash, the full chains with their hashes, and a signed manifest over both', () => {
      expect(bundle.format).toBe(EVIDENCE_BUNDLE_FORMAT);
      expect(bundle.items.map((item) => [item.kind, item.stream, item.revision, item.round])).toEqual([
        ['trade_log', DISPUTE, 1, 1],
        ['index_price', DISPUTE, 2, 1],
        ['statement', DISPUTE, 3, 1],
        ['proof:proof_of_ownership', RECOVERY, 1, null],
      ]);
      const proof = itemOfKind('proof:proof_of_ownership');
      expect(proof.evidenceId).toBe(recorded.recovery[1].id);
      expect(proof).toMatchObject({ content: PROOF, contentHash: contentHashOf(PROOF), submittedBy: customer, submittedAt: '2026-03-04T09:30:00.000Z' });
      expect(itemOfKind('trade_log')).toMatchObject({ evidenceId: recorded.dispute[1].data['evidenceId'], content: TRADE_LOG, contentHash: contentHashOf(TRADE_LOG), submittedBy: agent });

      expect(bundle.streams.map((stream) => stream.streamName)).toEqual([DISPUTE, RECOVERY]);
      expect(bundle.streams[0].events).toEqual(recorded.dispute);
      expect(bundle.streams[0].events[0].prevHash).toBe(GENESIS_HASH);
      expect(bundle.streams[1].events).toEqual(recorded.recovery);

      expect(bundle.manifest).toEqual({
        format: EVIDENCE_BUNDLE_FORMAT,
        ticketId: TICKET,
        exportedAt: '2026-03-05T10:00:00.000Z',
        exportedBy: auditor,
        items: bundle.items.map((item) => ({ evidenceId: item.evidenceId, contentHash: item.contentHash })),
        streams: [
          { streamName: DISPUTE, events: 6, lastRevision: 5, lastHash: recorded.dispute[5].hash, recordedHash: recordedHashOf(recorded.dispute) },
          { streamName: RECOVERY, events: 2, lastRevision: 1, lastHash: recorded.recovery[1].hash, recordedHash: recordedHashOf(recorded.recovery) },
        ],
      });
      expect(bundle.signature).toMatchObject({ algorithm: 'Ed25519', keyId: signer.keyId, publicKey: signer.publicKeyPem });
    });

    it('leaves out streams without events', async () => {
      const disputeOnly = await buildEvidenceBundle({ ...exportInput(recorded), streams: [{ streamName: DISPUTE, events: recorded.dispute }, { streamName: RECOVERY, events: [] }] }, signer);
      expect(disputeOnly.streams.map((stream) => stream.streamName)).toEqual([DISPUTE]);
      expect(disputeOnly.items).toHaveLength(3);
      expect(verifyEvidenceBundle(disputeOnly, publicKey)).toMatchObject({ valid: true, items: 3, events: 6 });
    });

    it('refuses to sign a broken chain or an item whose content does not hash to its recorded hash', async () => {
      const changed = recorded.dispute.map((e, i) => (i === 4 ? { ...e, data: { ...e.data, withinTolerance: true } } : e));
      await expect(buildEvidenceBundle({ ...exportInput(recorded), streams: [{ streamName: DISPUTE, events: changed }] }, signer)).rejects.toThrow(
        `Refusing to sign the evidence bundle of ticket ${TICKET}: stream ${DISPUTE} breaks its hash chain at revision 4 (hash_mismatch)`,
      );
      await expect(buildEvidenceBundle({ ...exportInput(recorded), streams: [{ streamName: DISPUTE, events: recorded.dispute.slice(1) }] }, signer)).rejects.toThrow(
        /breaks its hash chain at revision 0 \(revision_gap\)/,
      );

      // A store bug that recorded a wrong content hash, chained as if it were right.
      const wrongHash = disputeEvents().map((e) => (e.type === 'EvidenceSubmitted' ? { ...e, data: { ...e.data, contentHash: 'f'.repeat(64) } } : e));
      const chained = chainEvents(DISPUTE, GENESIS_HASH, 0, wrongHash).map((e, i) => ({ ...e, recordedAt: '2026-03-05T00:00:00.000Z', globalPosition: i + 1 }));
      await expect(buildEvidenceBundle({ ...exportInput(recorded), streams: [{ streamName: DISPUTE, events: chained }] }, signer)).rejects.toThrow(
        /item .+ \(stream dispute-.+ revision 1\) records content hash f{64}, its content hashes to [0-9a-f]{64}/,
      );
    });
  });

  describe('verifying', () => {
    it('verifies with the given public key', () => {
      expect(verifyEvidenceBundle(bundle, publicKey)).toEqual({ valid: true, ticketId: TICKET, items: 4, events: 8, keyId: signer.keyId, keySource: 'given' });
    });

    it('verifies with the embedded public key, saying so (integrity, not origin)', () => {
      expect(verifyEvidenceBundle(bundle)).toEqual({ valid: true, ticketId: TICKET, items: 4, events: 8, keyId: signer.keyId, keySource: 'embedded' });
    });

    it('still verifies after a trip through the file: stringify, parse, verify', () => {
      expect(verifyEvidenceBundleText(text, publicKey)).toMatchObject({ valid: true, items: 4, events: 8 });
      expect(verifyEvidenceBundleText(JSON.stringify(bundle), publicKey)).toMatchObject({ valid: true });
      expect(verifyEvidenceBundleText(`\ufeff${text}\n`, publicKey)).toMatchObject({ valid: true });
    });

    it('names the item when one byte of its content was changed in the file', () => {
      const tradeLog = itemOfKind('trade_log');
      const at = text.indexOf('"ratio": "0.0912"');
      expect(at).toBeGreaterThan(-1);
      expect(at).toBeLessThan(text.indexOf('"streams": ['));
      const digit = at + '"ratio": "0.0'.length;
      const tampered = `${text.slice(0, digit)}8${text.slice(digit + 1)}`;
      expect(tampered).toContain('"ratio": "0.0812"');

      const result = verifyEvidenceBundleText(tampered, publicKey);
      expect(result).toEqual({
        valid: false,
        problem: expect.stringMatching(new RegExp(`^item ${tradeLog.evidenceId} \\(trade_log\\): its content hashes to [0-9a-f]{64}, recorded ${tradeLog.contentHash} \\(the content was changed\\)$`)),
        where: { item: tradeLog.evidenceId },
      });
    });

    it('notices any one character changed anywhere in the file (whitespace between tokens aside)', () => {
      const other = (c: string): string => (/[0-9]/.test(c) ? String((Number(c) + 1) % 10) : /[a-z]/.test(c) ? (c === 'z' ? 'a' : String.fromCharCode(c.charCodeAt(0) + 1)) : c === 'x' ? 'y' : 'x');
      // Every character costs a full verification (~1 ms): every 5th of the body, every one of the signature.
      const signatureAt = text.lastIndexOf('"signature": {');
      const unnoticed: string[] = [];
      for (let i = 0; i < text.length; i++) {
        if (/\s/.test(text[i]) || (i < signatureAt && i % 5 !== 0)) continue;
        const tampered = text.slice(0, i) + other(text[i]) + text.slice(i + 1);
        if (verifyEvidenceBundleText(tampered).valid) unnoticed.push(`${i}: ${JSON.stringify(text.slice(Math.max(0, i - 30), i))} [${text[i]}→${other(text[i])}] ${JSON.stringify(text.slice(i + 1, i + 10))}`);
      }
      expect(unnoticed).toEqual([]);
    });

    it('names the stream and revision when an event was changed', () => {
      const tampered = copyOf(bundle);
      tampered.streams[0].events[4].data['withinTolerance'] = true;
      expect(verifyEvidenceBundle(tampered, publicKey)).toEqual({
        valid: false,
        problem: `stream ${DISPUTE} revision 4: hash mismatch (the event was changed)`,
        where: { stream: DISPUTE, revision: 4 },
      });
    });

    it('names the stream whose store-assigned fields (recordedAt, globalPosition), outside the chain, were changed', () => {
      expect(recordedHashOf(recorded.recovery)).toBe(contentHashOf(recorded.recovery.map((e) => [e.recordedAt, e.globalPosition])));
      const problem = { valid: false, problem: `stream ${RECOVERY}: the events' recordedAt/globalPosition are not those signed (changed after signing)`, where: { stream: RECOVERY } };

      const recordedAt = copyOf(bundle) as unknown as { streams: { events: { recordedAt: string; globalPosition: number }[] }[] };
      recordedAt.streams[1].events[1].recordedAt = '2026-03-01T00:00:00.000Z';
      expect(verifyEvidenceBundle(recordedAt, publicKey)).toEqual(problem);

      const position = copyOf(bundle) as unknown as typeof recordedAt;
      position.streams[1].events[0].globalPosition = 3;
      expect(verifyEvidenceBundle(position, publicKey)).toEqual(problem);
    });

    it('says the embedded public key was changed, even when verifying with the given one', () => {
      const tampered = copyOf(bundle);
      tampered.signature = { ...tampered.signature, publicKey: tampered.signature.publicKey.replace('\n-----END', '\n\n-----END') };
      expect(verifyEvidenceBundle(tampered, publicKey)).toEqual({
        valid: false,
        problem: `signature: the embedded public key is not key ${signer.keyId} as the signer wrote it (changed?)`,
        where: {},
      });
    });

    it('names the place where events were reordered', () => {
      const tampered = copyOf(bundle);
      const events = tampered.streams[0].events;
      [events[2], events[3]] = [events[3], events[2]];
      expect(verifyEvidenceBundle(tampered, publicKey)).toEqual({
        valid: false,
        problem: `stream ${DISPUTE}: expected revision 2, found revision 3 (an event is missing or the events are reordered)`,
        where: { stream: DISPUTE, revision: 2 },
      });
    });

    it('names an event removed from the middle of a stream', () => {
      const tampered = copyOf(bundle);
      tampered.streams[0].events.splice(4, 1);
      expect(verifyEvidenceBundle(tampered, publicKey)).toMatchObject({ valid: false, where: { stream: DISPUTE, revision: 4 } });
    });

    it('names a truncated stream (its last event dropped)', () => {
      const tampered = copyOf(bundle);
      tampered.streams[0].events.pop();
      expect(verifyEvidenceBundle(tampered, publicKey)).toEqual({
        valid: false,
        problem: `stream ${DISPUTE} has 5 events, the manifest lists 6 (up to revision 5): truncated, revision 5 onwards is missing`,
        where: { stream: DISPUTE, revision: 5 },
      });
    });

    it('names a stream rewritten with freshly computed hashes', () => {
      const tampered = copyOf(bundle);
      const rewritten = chainEvents(
        DISPUTE,
        GENESIS_HASH,
        0,
        bundle.streams[0].events.map((e, i) => (i === 5 ? { ...e, data: { ...e.data, outcome: 'rejected', compensation: null } } : e)),
      );
      tampered.streams[0].events = rewritten.map((e, i) => ({ ...bundle.streams[0].events[i], data: e.data, prevHash: e.prevHash, hash: e.hash }));
      expect(verifyEvidenceBundle(tampered, publicKey)).toEqual({
        valid: false,
        problem: `stream ${DISPUTE}: its last hash is ${rewritten[5].hash}, the manifest lists ${recorded.dispute[5].hash} (the stream was rewritten and re-hashed)`,
        where: { stream: DISPUTE, revision: 5 },
      });
    });

    it('names events of another stream put in place of the stream\'s own', () => {
      const other = `dispute-0195f0a2-0000-7000-8000-000000000000`;
      const tampered = copyOf(bundle) as unknown as { streams: { events: unknown[] }[] };
      const foreign = chainEvents(other, GENESIS_HASH, 0, bundle.streams[0].events);
      tampered.streams[0].events = foreign.map((e, i) => ({ ...bundle.streams[0].events[i], streamName: e.streamName, prevHash: e.prevHash, hash: e.hash }));
      expect(verifyEvidenceBundle(tampered, publicKey)).toEqual({
        valid: false,
        problem: `stream ${DISPUTE} revision 0: the event belongs to stream ${other}`,
        where: { stream: DISPUTE, revision: 0 },
      });
    });

    it('names a missing stream', () => {
      const tampered = copyOf(bundle);
      tampered.streams.pop();
      expect(verifyEvidenceBundle(tampered, publicKey)).toEqual({
        valid: false,
        problem: `stream ${RECOVERY} listed by the manifest is missing from the bundle (stream 2 of 2)`,
        where: { stream: RECOVERY },
      });
    });

    it('names an item dropped from the bundle', () => {
      const tampered = copyOf(bundle);
      const [dropped] = tampered.items.splice(1, 1);
      expect(verifyEvidenceBundle(tampered, publicKey)).toEqual({
        valid: false,
        problem: `item ${dropped.evidenceId} listed by the manifest is missing from the bundle (item 2 of 4)`,
        where: { item: dropped.evidenceId },
      });
    });

    it('names items put in another order', () => {
      const tampered = copyOf(bundle);
      [tampered.items[0], tampered.items[2]] = [tampered.items[2], tampered.items[0]];
      expect(verifyEvidenceBundle(tampered, publicKey)).toEqual({
        valid: false,
        problem: `item 1 is ${bundle.items[2].evidenceId}, the manifest lists ${bundle.items[0].evidenceId} at that place (reordered?)`,
        where: { item: bundle.items[2].evidenceId },
      });
    });

    it('names an item whose content and hash were both replaced', () => {
      const tampered = copyOf(bundle);
      const statement = tampered.items[2];
      statement.content = { language: 'en', text: 'I never opened that position.' };
      statement.contentHash = contentHashOf(statement.content);
      expect(verifyEvidenceBundle(tampered, publicKey)).toEqual({
        valid: false,
        problem: `item ${statement.evidenceId} (statement): its content hash is ${statement.contentHash}, the manifest lists ${bundle.items[2].contentHash}`,
        where: { item: statement.evidenceId },
      });
    });

    it('says a truncated file is not JSON, with the position', () => {
      const half = text.slice(0, Math.floor(text.length / 2));
      expect(parseEvidenceBundle(half)).toEqual({ ok: false, problem: expect.stringMatching(/^not JSON \(truncated\?\) at position \d+ of \d+: /) });
      expect(verifyEvidenceBundleText(half, publicKey)).toEqual({ valid: false, problem: expect.stringMatching(/^not JSON \(truncated\?\) at position/), where: {} });
      // Cut right after an opening bracket, V8 reports no position: the end of the text is where it stops.
      const afterBracket = text.slice(0, text.indexOf('"items": [') + '"items": [\n'.length);
      expect(parseEvidenceBundle(afterBracket)).toEqual({
        ok: false,
        problem: `not JSON (truncated?) at position ${afterBracket.length} of ${afterBracket.length}: Unexpected end of JSON input`,
      });
      expect(parseEvidenceBundle('')).toEqual({ ok: false, problem: 'not JSON: the file is empty' });
      expect(parseEvidenceBundle(text)).toEqual({ ok: true, bundle: JSON.parse(text) });
    });

    it('names both keys when the bundle was re-signed with another key', async () => {
      const other = signerFromPrivateKey(generateKeyPairSync('ed25519').privateKey);
      const tampered = copyOf(bundle);
      tampered.signature = (await signManifest(bundle.manifest, other)).signature;
      expect(verifyEvidenceBundle(tampered, publicKey)).toEqual({
        valid: false,
        problem: `signature: signed with key ${other.keyId}, verifying with key ${signer.keyId}: re-signed with another key?`,
        where: {},
      });
      // With the key it carries, a re-signed bundle is intact but of another origin: only the operator's key tells.
      expect(verifyEvidenceBundle(tampered)).toMatchObject({ valid: true, keyId: other.keyId, keySource: 'embedded' });
    });

    it('says the manifest does not match its signature when it was edited', () => {
      const tampered = copyOf(bundle);
      tampered.manifest.exportedAt = '2026-03-01T10:00:00.000Z';
      expect(verifyEvidenceBundle(tampered, publicKey)).toEqual({ valid: false, problem: 'signature: the manifest does not match its signature', where: {} });
      expect(verifyEvidenceBundle(tampered)).toEqual({ valid: false, problem: 'signature: the manifest does not match its signature', where: {} });
    });

    it('names a header that differs from the signed manifest', () => {
      const tampered = copyOf(bundle);
      tampered.ticketId = 'another-ticket';
      expect(verifyEvidenceBundle(tampered, publicKey)).toEqual({ valid: false, problem: `ticketId is "another-ticket", the manifest says "${TICKET}"`, where: {} });
    });

    it('catches an item swapped for another, even when the whole bundle was re-signed', async () => {
      // The tamperer rewrites the item, its hash, the manifest, and signs with a key of their own:
      // the embedded key then holds, but the chain still records the original item.
      const forger = signerFromPrivateKey(generateKeyPairSync('ed25519').privateKey);
      const tampered = copyOf(bundle);
      const statement = tampered.items[2];
      statement.content = { language: 'en', text: 'I never opened that position.' };
      statement.contentHash = contentHashOf(statement.content);
      tampered.manifest.items[2].contentHash = statement.contentHash;
      tampered.signature = (await signManifest(tampered.manifest, forger)).signature;

      expect(verifyEvidenceBundle(tampered)).toEqual({
        valid: false,
        problem: `item ${statement.evidenceId} (statement) does not match the event that recorded it (stream ${DISPUTE} revision 3): its contentHash is "${statement.contentHash}", the event records "${bundle.items[2].contentHash}"`,
        where: { item: statement.evidenceId, stream: DISPUTE, revision: 3 },
      });
    });

    it('catches an item pointed at an event that is not evidence, and an item left out of bundle and manifest', async () => {
      const forger = signerFromPrivateKey(generateKeyPairSync('ed25519').privateKey);

      const misplaced = copyOf(bundle) as unknown as { items: { revision: number }[]; manifest: unknown; signature: unknown };
      misplaced.items[0].revision = 4;
      expect(verifyEvidenceBundle(misplaced, publicKey)).toMatchObject({
        valid: false,
        problem: `item ${bundle.items[0].evidenceId} (trade_log): stream ${DISPUTE} revision 4 is a DeviationAssessed event, not evidence`,
      });

      const leftOut = copyOf(bundle);
      leftOut.items.splice(3, 1);
      leftOut.manifest.items.splice(3, 1);
      leftOut.signature = (await signManifest(leftOut.manifest, forger)).signature;
      expect(verifyEvidenceBundle(leftOut)).toEqual({
        valid: false,
        problem: `stream ${RECOVERY} revision 1 records item ${bundle.items[3].evidenceId} (proof:proof_of_ownership), which is not among the bundle's items (left out)`,
        where: { item: bundle.items[3].evidenceId, stream: RECOVERY, revision: 1 },
      });
    });

    it('says what is not an evidence bundle', () => {
      const notABundle = (value: unknown) => verifyEvidenceBundle(value, publicKey);
      expect(notABundle(null)).toEqual({ valid: false, problem: 'not an evidence bundle: not a JSON object', where: {} });
      expect(notABundle([bundle])).toMatchObject({ problem: 'not an evidence bundle: not a JSON object' });
      expect(notABundle({ ...bundle, format: 'ticketing.audit-export/v1' })).toMatchObject({
        problem: `not an evidence bundle: format "ticketing.audit-export/v1"; expected "${EVIDENCE_BUNDLE_FORMAT}"`,
      });
      expect(notABundle({ ...bundle, items: undefined })).toMatchObject({ problem: 'not an evidence bundle: items is missing' });
      expect(notABundle({ ...bundle, signature: undefined })).toMatchObject({ problem: 'not an evidence bundle: signature is missing' });

      const noHash = copyOf(bundle) as unknown as { streams: { events: Record<string, unknown>[] }[] };
      delete noHash.streams[1].events[0]['hash'];
      expect(notABundle(noHash)).toEqual({ valid: false, problem: 'not an evidence bundle: streams[1].events[0].hash is missing', where: { stream: RECOVERY, revision: 0 } });
    });
  });
});
