import { createHash } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { DISPUTES_PROTO_FILE } from '@ticketing/contracts';
import { verifyEvidenceBundle } from '@ticketing/evidence-bundle';
import { newId } from '@ticketing/kernel';
import { publicKeyFromPem } from '@ticketing/platform';
import { ContextGrpcClient } from './test-support/context-grpc.client';
import { TicketingHarness } from './test-support/ticketing.harness';

type Timestamp = { seconds: string; nanos: number };
type Actor = { kind: string; id?: string };
type Assessment = { deviation: string; tolerance: string; withinTolerance: boolean; indexPrice: string; liquidationPrice: string; evidenceIds: string[]; assessedAt: Timestamp; round: number };
type Decision = { outcome: string; compensation: { amount: string; asset: string } | null; reason: string; citedEvidenceIds: string[]; decidedBy: Actor; decidedAt: Timestamp; round: number };
type EvidenceItem = { evidenceId: string; round: number; kind: string; contentJson: string; contentHash: string; submittedBy: Actor; submittedAt: Timestamp };
type Dispute = {
  ticketId: string;
  status: string;
  round: number;
  customerId?: string;
  position: { symbol: string; side: string; size: string; leverage: string; marginMode: string };
  liquidationPrice: string;
  liquidatedAt: Timestamp;
  tolerance: string;
  assessment: Assessment | null;
  decision: Decision | null;
  rounds: { round: number; openedBy: Actor; assessment: Assessment | null; decision: Decision | null; appealOf: unknown }[];
  items: EvidenceItem[];
};
type Quote = { quoteId: string; amount: string; asset: string; fee: string; feeRate: string; creditedOnSuccess: string; etaWorkingDays: { min: number; max: number }; validUntil: Timestamp; expired: boolean };
type Recovery = {
  ticketId: string;
  status: string;
  customerId?: string;
  deposit: { asset: string; amount: string; sentNetwork: string; expectedNetwork: string; memo?: string };
  rule: string;
  conditions: string[];
  quote: Quote | null;
  acceptedAt: Timestamp | null;
  etaFrom: Timestamp | null;
  etaTo: Timestamp | null;
  tracingStartedAt: Timestamp | null;
  outcome: { kind: string; by: Actor; at: Timestamp; amount: string; fee: string; credited: string; asset: string; creditTxHash?: string; reason?: string } | null;
  notice: string;
};

const toIso = (timestamp: Timestamp) => new Date(Number(timestamp.seconds) * 1000 + timestamp.nanos / 1e6).toISOString();
const timestampOf = (iso: string): { seconds: number; nanos: number } => {
  const ms = Date.parse(iso);
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
};

/** A non-negative decimal string as an integer count of 10^-scale units: exact arithmetic for the checks below. */
function units(decimal: string, scale: number): bigint {
  const [whole, fraction = ''] = decimal.split('.');
  if (fraction.length > scale) throw new Error(`${decimal} has more than ${scale} decimals`);
  return BigInt(whole + fraction.padEnd(scale, '0'));
}

/** An integer count of 10^-scale units as a plain decimal string without trailing zeros. */
function decimalOf(value: bigint, scale: number): string {
  const digits = value.toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale).replace(/0+$/, '');
  return fraction === '' ? whole : `${whole}.${fraction}`;
}

/**
 * The disputes context over a real grpc-js client against `ticketing start` booted in-process: a
 * liquidation dispute from opening to a signed bundle, and a wrong-network recovery from request
 * to credit, with the roles, visibility and error codes REST has.
 */
describe('disputes gRPC API (e2e over grpc-js)', () => {
  let harness: TicketingHarness;
  let grpc: ContextGrpcClient;
  let customer: string;
  let otherCustomer: string;
  let tradingSystem: string;
  let agent: string;
  let supervisor: string;
  let auditor: string;

  beforeAll(async () => {
    harness = await TicketingHarness.start();
    grpc = new ContextGrpcClient(DISPUTES_PROTO_FILE, 'ticketing.disputes.v1.DisputesService', harness.grpcAddress);
    customer = await harness.token('customer', 'cust-grpc-dispute');
    otherCustomer = await harness.token('customer', 'cust-grpc-other');
    tradingSystem = await harness.token('service', 'trading-system');
    agent = await harness.token('agent', 'agent-no-clearance');
    supervisor = await harness.token('supervisor', 'sup-grpc-disputes');
    auditor = await harness.token('auditor', 'auditor-grpc');
  });
  afterAll(async () => {
    grpc?.close();
    await harness?.close();
  });

  async function openTicket(body: string): Promise<string> {
    const reply = await harness.request('POST', '/v1/tickets', { token: customer, body: { channel: 'chat', body, language: 'en', chat: { sessionId: `chat-${newId()}` } } });
    expect(reply.status).toBe(201);
    return (reply.body as { id: string }).id;
  }

  it('opens a dispute, assesses it on the index price at exactly the tolerance, decides, seals and exports a bundle that verifies', async () => {
    const ticketId = await openTicket('My BTCUSDT long was liquidated at 63889.6465 although the index price never went that low. Please review the liquidation.');
    const liquidatedAt = new Date(Date.now() - 3_600_000).toISOString();
    const liquidationPrice = '63889.6465';
    const indexPrice = '64210.7';

    // Exactly 0.5%: |63889.6465 − 64210.7| = 321.0535 = 0.005 × 64210.7 (checked here in integers of 10^-4).
    const difference = units(indexPrice, 4) - units(liquidationPrice, 4);
    expect(difference * 1000n).toBe(5n * units(indexPrice, 4));

    const open = {
      ticketId,
      position: { symbol: 'BTCUSDT', side: 'POSITION_SIDE_LONG', size: '0.75', leverage: '20', marginMode: 'MARGIN_MODE_ISOLATED' },
      liquidationPrice,
      liquidatedAt: timestampOf(liquidatedAt),
    };
    const key = newId();
    const opened = await grpc.call<Dispute>('OpenDispute', open, customer, key);
    expect(opened).toMatchObject({
      ticketId,
      status: 'DISPUTE_STATUS_OPEN',
      round: 1,
      position: open.position,
      liquidationPrice,
      tolerance: '0.005',
      assessment: null,
      decision: null,
      items: [],
    });
    expect(toIso(opened.liquidatedAt)).toBe(liquidatedAt);
    expect(opened.customerId).toBeUndefined(); // the customer's own view
    expect(opened.rounds).toHaveLength(1);
    // The same idempotency key answers the first response again; a second dispute without one is a conflict.
    expect(await grpc.call('OpenDispute', open, customer, key)).toEqual(opened);
    expect((await grpc.error('OpenDispute', open, customer)).code).toBe(status.ALREADY_EXISTS);

    // Content is a JSON object as text: anything else is INVALID_ARGUMENT saying so.
    const notJson = await grpc.error('SubmitDisputeEvidence', { ticketId, kind: 'EVIDENCE_KIND_STATEMENT', contentJson: '{"text": "unterminated' }, customer);
    expect(notJson.code).toBe(status.INVALID_ARGUMENT);
    expect(notJson.details).toMatch(/contentJson: is not valid JSON/);
    const notObject = await grpc.error('SubmitDisputeEvidence', { ticketId, kind: 'EVIDENCE_KIND_STATEMENT', contentJson: '["a list"]' }, customer);
    expect(notObject.code).toBe(status.INVALID_ARGUMENT);
    expect(notObject.details).toMatch(/contentJson: must be a JSON object \(\{…\}\), not an array/);
    expect((await grpc.error('SubmitDisputeEvidence', { ticketId, contentJson: '{"text": "no kind"}' }, customer)).code).toBe(status.INVALID_ARGUMENT);

    // The customer's statement, an attachment's bytes and its item.
    const statement = await grpc.call<Dispute>('SubmitDisputeEvidence', { ticketId, kind: 'EVIDENCE_KIND_STATEMENT', contentJson: JSON.stringify({ text: 'The index never went that low.' }) }, customer, newId());
    expect(statement.items).toHaveLength(1);
    const bytes = Buffer.from('fills export, 2 rows\n', 'utf8');
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    expect(await grpc.call('UploadDisputeAttachment', { ticketId, content: bytes }, customer, newId())).toEqual({ sha256, size: String(bytes.length) });
    const attachment = { name: 'fills.csv', mediaType: 'text/csv', size: bytes.length, sha256 };
    await grpc.call('SubmitDisputeEvidence', { ticketId, kind: 'EVIDENCE_KIND_ATTACHMENT', contentJson: JSON.stringify(attachment) }, customer, newId());

    // The trading system's index price for the liquidation time: assessed at once, within (exactly at) the tolerance.
    const indexContent = { indexPrice, at: liquidatedAt };
    const assessed = await grpc.call<Dispute>('SubmitDisputeEvidence', { ticketId, kind: 'EVIDENCE_KIND_INDEX_PRICE', contentJson: JSON.stringify(indexContent) }, tradingSystem, newId());
    const indexItem = assessed.items.find((item) => item.kind === 'EVIDENCE_KIND_INDEX_PRICE')!;
    expect(JSON.parse(indexItem.contentJson)).toEqual(indexContent);
    expect(indexItem.submittedBy).toMatchObject({ kind: 'ACTOR_KIND_SERVICE', id: 'trading-system' });

    const view = await grpc.call<Dispute>('GetDispute', { ticketId }, customer);
    expect(view.assessment).toMatchObject({
      deviation: '0.005',
      tolerance: '0.005',
      withinTolerance: true,
      indexPrice,
      liquidationPrice,
      evidenceIds: [indexItem.evidenceId],
      round: 1,
    });
    expect(view.items.map((item) => [item.kind, JSON.parse(item.contentJson)])).toEqual([
      ['EVIDENCE_KIND_STATEMENT', { text: 'The index never went that low.' }],
      ['EVIDENCE_KIND_ATTACHMENT', attachment],
      ['EVIDENCE_KIND_INDEX_PRICE', indexContent],
    ]);
    // The same case REST answers: ids, hashes and the assessment.
    const rest = await harness.request('GET', `/v1/disputes/${ticketId}`, { token: auditor });
    expect(rest.status).toBe(200);
    const restCase = rest.body as { customerId: string; assessment: { deviation: string; withinTolerance: boolean }; items: { evidenceId: string; contentHash: string; content: unknown }[] };
    expect(view.items.map((item) => ({ evidenceId: item.evidenceId, contentHash: item.contentHash, content: JSON.parse(item.contentJson) }))).toEqual(
      restCase.items.map(({ evidenceId, contentHash, content }) => ({ evidenceId, contentHash, content })),
    );
    expect(restCase.assessment).toMatchObject({ deviation: view.assessment!.deviation, withinTolerance: true });
    const staffView = await grpc.call<Dispute>('GetDispute', { ticketId }, auditor);
    expect(staffView.customerId).toBe(restCase.customerId);

    // Another customer sees nothing; the roles of REST hold.
    expect((await grpc.error('GetDispute', { ticketId }, otherCustomer)).code).toBe(status.NOT_FOUND);
    expect((await grpc.error('GetDisputeBundle', { ticketId }, otherCustomer)).code).toBe(status.NOT_FOUND);
    expect((await grpc.error('GetDispute', { ticketId })).code).toBe(status.UNAUTHENTICATED);
    expect((await grpc.error('GetDispute', { ticketId: 'not-a-uuid' }, customer)).code).toBe(status.INVALID_ARGUMENT);
    expect((await grpc.error('GetDispute', { ticketId: newId() }, auditor)).code).toBe(status.NOT_FOUND);
    const decision = { ticketId, outcome: 'DISPUTE_OUTCOME_REJECTED', reason: 'The liquidation price is within 0.5% of the index price at the liquidation time.', citedEvidenceIds: [indexItem.evidenceId] };
    expect((await grpc.error('DecideDispute', decision, customer)).code).toBe(status.PERMISSION_DENIED);
    expect((await grpc.error('DecideDispute', decision, tradingSystem)).code).toBe(status.PERMISSION_DENIED);
    const uncleared = await grpc.error('DecideDispute', decision, agent);
    expect(uncleared.code).toBe(status.PERMISSION_DENIED);
    expect(uncleared.details).toMatch(/disputes clearance/);
    expect((await grpc.error('SubmitDisputeEvidence', { ticketId, kind: 'EVIDENCE_KIND_STATEMENT', contentJson: '{"text": "x"}' }, auditor)).code).toBe(status.PERMISSION_DENIED);
    // Roles only the RPC's declaration refuses (the services would answer them): the trading system reads no cases, auditors upload nothing.
    expect((await grpc.error('GetDispute', { ticketId }, tradingSystem)).code).toBe(status.PERMISSION_DENIED);
    expect((await grpc.error('GetDisputeBundle', { ticketId }, tradingSystem)).code).toBe(status.PERMISSION_DENIED);
    expect((await grpc.error('UploadDisputeAttachment', { ticketId, content: Buffer.from('x') }, auditor)).code).toBe(status.PERMISSION_DENIED);

    // A supervisor decides citing the index price item: the round is sealed.
    const decided = await grpc.call<Dispute>('DecideDispute', decision, supervisor, newId());
    expect(decided.status).toBe('DISPUTE_STATUS_SEALED');
    expect(decided.decision).toMatchObject({
      outcome: 'DISPUTE_OUTCOME_REJECTED',
      compensation: null,
      reason: decision.reason,
      citedEvidenceIds: [indexItem.evidenceId],
      decidedBy: { kind: 'ACTOR_KIND_SUPERVISOR', id: 'sup-grpc-disputes' },
      round: 1,
    });
    // The customer sees staff by role only.
    const seenByCustomer = (await grpc.call<Dispute>('GetDispute', { ticketId }, customer)).decision!.decidedBy;
    expect(seenByCustomer.kind).toBe('ACTOR_KIND_SUPERVISOR');
    expect(seenByCustomer.id).toBeUndefined();

    // Sealed: no more evidence (REST's 409 illegal state), and no more bytes (422): both FAILED_PRECONDITION.
    const late = await grpc.error('SubmitDisputeEvidence', { ticketId, kind: 'EVIDENCE_KIND_INDEX_PRICE', contentJson: JSON.stringify({ indexPrice: '64000', at: liquidatedAt }) }, tradingSystem);
    expect(late.code).toBe(status.FAILED_PRECONDITION);
    expect(late.details).toMatch(/sealed/);
    expect((await grpc.error('UploadDisputeAttachment', { ticketId, content: Buffer.from('late') }, customer)).code).toBe(status.FAILED_PRECONDITION);

    // The bundle: REST's JSON document, verified offline with the operator's public key.
    const signingKey = await grpc.call<{ keyId: string; publicKeyPem: string }>('GetDisputeSigningKey', {}, customer);
    expect(signingKey.keyId).toMatch(/^ed25519:/);
    const { bundleJson } = await grpc.call<{ bundleJson: string }>('GetDisputeBundle', { ticketId }, customer);
    const bundle = JSON.parse(bundleJson) as { ticketId: string; items: { evidenceId: string; content: Record<string, unknown> }[]; signature: { keyId: string } };
    expect(bundle.ticketId).toBe(ticketId);
    expect(bundle.signature.keyId).toBe(signingKey.keyId);
    expect(bundle.items.map((item) => item.evidenceId)).toEqual(view.items.map((item) => item.evidenceId));
    const publicKey = publicKeyFromPem(signingKey.publicKeyPem);
    expect(verifyEvidenceBundle(bundle, publicKey)).toEqual({ valid: true, ticketId, items: 3, events: expect.any(Number), keyId: signingKey.keyId, keySource: 'given' });
    // …and the verification means something: an edited price no longer verifies.
    const edited = JSON.parse(bundleJson) as typeof bundle;
    edited.items[2].content['indexPrice'] = '64000';
    expect(verifyEvidenceBundle(edited, publicKey)).toMatchObject({ valid: false });
  });

  it('quotes a wrong-network recovery, takes it through acceptance and tracing, and credits exactly amount − fee', async () => {
    const ticketId = await openTicket('I sent 1.234567890123456789 ETH on BNB Smart Chain (BEP20) to my ETH deposit address and it never arrived.');
    const amount = '1.234567890123456789';
    const request = {
      ticketId,
      asset: 'eth',
      amount,
      txHash: '0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060',
      sentNetwork: 'BEP20',
      expectedNetwork: 'ERC20',
      address: '0x9f8b1c3f6f4b1e0b2b0f7d3c1a2e4b5c6d7e8f90',
    };
    expect((await grpc.error('RequestRecovery', request, tradingSystem)).code).toBe(status.PERMISSION_DENIED);
    const quoted = await grpc.call<Recovery>('RequestRecovery', request, customer, newId());
    expect(quoted).toMatchObject({
      ticketId,
      status: 'RECOVERY_STATUS_QUOTED',
      deposit: { asset: 'ETH', amount, sentNetwork: 'BSC', expectedNetwork: 'ETH' },
      rule: 'evm-to-evm',
      conditions: [],
      acceptedAt: null,
      outcome: null,
    });
    expect(quoted.deposit.memo).toBeUndefined();
    expect(quoted.notice).toMatch(/not guaranteed/);
    const quote = quoted.quote!;
    // The default fee: 10% of the amount (ETH's limits 0.005–5 do not bite here), in exact decimals.
    const scale = 19;
    const fee = (units(amount, scale) * 10n) / 100n;
    expect(quote).toMatchObject({ amount, asset: 'ETH', feeRate: '0.1', fee: decimalOf(fee, scale), creditedOnSuccess: decimalOf(units(amount, scale) - fee, scale), expired: false });
    expect(quote.etaWorkingDays).toEqual({ min: 15, max: 30 });

    // Only the customer accepts; only staff trace and complete.
    expect((await grpc.error('AcceptRecoveryQuote', { ticketId, quoteId: quote.quoteId }, supervisor)).code).toBe(status.PERMISSION_DENIED);
    expect((await grpc.error('AcceptRecoveryQuote', { ticketId, quoteId: quote.quoteId }, otherCustomer)).code).toBe(status.NOT_FOUND);
    const accepted = await grpc.call<Recovery>('AcceptRecoveryQuote', { ticketId, quoteId: quote.quoteId }, customer, newId());
    expect(accepted.status).toBe('RECOVERY_STATUS_ACCEPTED');
    expect(Date.parse(toIso(accepted.etaTo!))).toBeGreaterThanOrEqual(Date.parse(toIso(accepted.etaFrom!)));
    expect((await grpc.error('StartRecoveryTracing', { ticketId }, customer)).code).toBe(status.PERMISSION_DENIED);
    expect((await grpc.error('StartRecoveryTracing', { ticketId }, agent)).code).toBe(status.PERMISSION_DENIED);
    expect((await grpc.error('CompleteRecovery', { ticketId, outcome: 'RECOVERY_COMPLETION_SUCCEEDED' }, supervisor)).code).toBe(status.FAILED_PRECONDITION);
    const tracing = await grpc.call<Recovery>('StartRecoveryTracing', { ticketId }, supervisor, newId());
    expect(tracing.status).toBe('RECOVERY_STATUS_TRACING');
    expect(tracing.tracingStartedAt).not.toBeNull();

    const creditTxHash = '0xa1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';
    const succeeded = await grpc.call<Recovery>('CompleteRecovery', { ticketId, outcome: 'RECOVERY_COMPLETION_SUCCEEDED', creditTxHash }, supervisor, newId());
    expect(succeeded.status).toBe('RECOVERY_STATUS_SUCCEEDED');
    expect(succeeded.outcome).toMatchObject({ kind: 'RECOVERY_OUTCOME_KIND_SUCCEEDED', amount, asset: 'ETH', fee: quote.fee, creditTxHash, by: { kind: 'ACTOR_KIND_SUPERVISOR', id: 'sup-grpc-disputes' } });
    expect(succeeded.outcome!.reason).toBeUndefined();
    // credited = amount − fee, exactly.
    expect(units(succeeded.outcome!.credited, scale)).toBe(units(amount, scale) - units(succeeded.outcome!.fee, scale));
    expect(succeeded.outcome!.credited).toBe('1.1111111011111111101');

    // Readers see it with the customer's id; the customer without staff ids; another customer not at all.
    const audited = await grpc.call<Recovery>('GetRecovery', { ticketId }, auditor);
    expect(audited.customerId).toBe('cust-grpc-dispute');
    expect(audited.outcome).toEqual(succeeded.outcome);
    const byForCustomer = (await grpc.call<Recovery>('GetRecovery', { ticketId }, customer)).outcome!.by;
    expect(byForCustomer.kind).toBe('ACTOR_KIND_SUPERVISOR');
    expect(byForCustomer.id).toBeUndefined();
    expect((await grpc.error('GetRecovery', { ticketId }, otherCustomer)).code).toBe(status.NOT_FOUND);
    expect((await grpc.error('GetRecovery', { ticketId }, tradingSystem)).code).toBe(status.PERMISSION_DENIED);
  });

  it('refuses an unsupported network pair with the reason and records nothing', async () => {
    const ticketId = await openTicket('I sent USDT... no, ETH over TRON (TRC20) to my ETH address by mistake. Can you get it back?');
    const refused = await grpc.error(
      'RequestRecovery',
      { ticketId, asset: 'ETH', amount: '2', txHash: 'b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2', sentNetwork: 'TRON', expectedNetwork: 'ETH', address: '0x9f8b1c3f6f4b1e0b2b0f7d3c1a2e4b5c6d7e8f90' },
      customer,
    );
    expect(refused.code).toBe(status.FAILED_PRECONDITION);
    expect(refused.details).toMatch(/TRON → ETH/);
    expect((await grpc.error('GetRecovery', { ticketId }, customer)).code).toBe(status.NOT_FOUND);
    // A network nobody knows is a bad request, not a judgement.
    const unknown = await grpc.error('RequestRecovery', { ticketId, asset: 'ETH', amount: '2', txHash: 'b1c2d3e4f5a6b7c8', sentNetwork: 'NOWHERE', expectedNetwork: 'ETH', address: '0x9f8b1c3f6f4b1e0b' }, customer);
    expect(unknown.code).toBe(status.INVALID_ARGUMENT);
    expect(unknown.details).toMatch(/sentNetwork/);
  });
});
