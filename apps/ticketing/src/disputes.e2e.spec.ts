import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ManualClock } from '@ticketing/kernel';
import { publicKeyFromPem } from '@ticketing/platform';
import { verifyEvidenceBundle } from '@ticketing/evidence-bundle';
import { TicketingHarness, type HttpReply } from './test-support/ticketing.harness';

type Item = { evidenceId: string; kind: string; contentHash: string; submittedBy: { kind: string; id?: string }; content: Record<string, unknown> };
type Assessment = { deviation: string; tolerance: string; withinTolerance: boolean; indexPrice: string; liquidationPrice: string; evidenceIds: string[] };
type Dispute = {
  ticketId: string;
  status: string;
  round: number;
  customerId?: string;
  assessment: Assessment | null;
  decision: { outcome: string; citedEvidenceIds: string[]; decidedBy: { kind: string; id?: string } } | null;
  rounds: { round: number; appealOf: { round: number; reason: string } | null }[];
  items: Item[];
};
type Recovery = {
  status: string;
  rule: string;
  conditions: string[];
  quote: { quoteId: string; fee: string; creditedOnSuccess: string; validUntil: string; expired: boolean; etaWorkingDays: { min: number; max: number } } | null;
  etaFrom: string | null;
  etaTo: string | null;
  etaOverrun: boolean;
  outcome: Record<string, unknown> | null;
  notice: string;
};

const execFileAsync = promisify(execFile);
const CLI = join(__dirname, '../../../bin/ticketing.js');

const expectProblem = (reply: HttpReply, statusCode: number, mentions?: string | RegExp) => {
  // The body in the comparison: a wrong status shows what the server said.
  expect([reply.status, reply.contentType, reply.body]).toEqual([statusCode, expect.stringContaining('application/problem+json'), expect.anything()]);
  if (mentions !== undefined) expect(JSON.stringify(reply.body)).toMatch(mentions);
};

/**
 * One liquidation dispute and one recovery, run over REST as the README walks them: the tests run in
 * order on one process and share the tickets.
 */
describe('dispute evidence over REST (e2e, ManualClock)', () => {
  const clock = new ManualClock(new Date('2026-12-07T10:00:00.000Z'));
  let harness: TicketingHarness;
  let customer: string;
  let otherCustomer: string;
  let agent: string;
  let clearedAgent: string;
  let supervisor: string;
  let tradingSystem: string;
  let auditor: string;
  let ticketId: string;
  let recoveryTicketId: string;
  let indexItem: string;

  const openTicket = async (token: string, body: string): Promise<string> => {
    const reply = await harness.request('POST', '/v1/tickets', { token, body: { channel: 'web_form', subject: 'Liquidation', body, webForm: { formId: 'futures-help' } } });
    expect(reply.status).toBe(201);
    const id = (reply.body as { id: string }).id;
    await harness.ticketQueued(id);
    return id;
  };

  beforeAll(async () => {
    harness = await TicketingHarness.start({ clock });
    customer = await harness.token('customer', 'cust-d1');
    otherCustomer = await harness.token('customer', 'cust-d2');
    agent = await harness.token('agent', 'agent-plain');
    clearedAgent = await harness.token('agent', 'agent-disputes');
    supervisor = await harness.token('supervisor', 'sup-1');
    tradingSystem = await harness.token('service', 'trading-engine');
    auditor = await harness.token('auditor', 'aud-1');
    const profile = { displayName: 'Dee', languages: ['en'], skills: ['liquidation_dispute'], clearances: ['disputes', 'recovery'], capacity: {} };
    expect((await harness.request('PUT', '/v1/routing/agents/agent-disputes', { token: supervisor, body: profile })).status).toBe(200);
    // Worded so the classifier does not see a dispute in it: opening one must recategorize the ticket.
    ticketId = await openTicket(customer, 'Hello, where can I find the fee schedule and the referral program? Also I want to contest something from this morning.');
  }, 60_000);
  afterAll(() => harness?.close());

  it('a customer opens a dispute on their ticket; routing recategorizes it', async () => {
    const opened = await harness.request('POST', `/v1/disputes/${ticketId}`, {
      token: customer,
      body: { position: { symbol: 'btcusdt', side: 'long', size: '0.750', leverage: '20', marginMode: 'isolated' }, liquidationPrice: '21427.698125', liquidatedAt: '2026-12-07T09:30:00.250Z' },
    });
    expect(opened.status).toBe(201);
    const dispute = opened.body as Dispute;
    expect(dispute).toMatchObject({ ticketId, status: 'open', round: 1, assessment: null, items: [] });
    expect(dispute).not.toHaveProperty('customerId');
    const recategorized = await harness.nextEvent(`routing-${ticketId}`, 'TicketRecategorized');
    expect(recategorized.data).toMatchObject({ to: 'liquidation_dispute', by: 'cust-d1', reason: 'a liquidation dispute was opened' });
    expect(recategorized.data['from']).not.toBe('liquidation_dispute');
    expectProblem(await harness.request('POST', `/v1/disputes/${ticketId}`, { token: customer, body: { position: { symbol: 'BTCUSDT', side: 'long', size: '1', leverage: '20', marginMode: 'isolated' }, liquidationPrice: '1', liquidatedAt: '2026-12-07T09:30:00Z' } }), 409);
  });

  it('another customer cannot see or touch it; bad decimals change nothing', async () => {
    expectProblem(await harness.request('GET', `/v1/disputes/${ticketId}`, { token: otherCustomer }), 404);
    expectProblem(await harness.request('POST', `/v1/disputes/${ticketId}/evidence`, { token: otherCustomer, body: { kind: 'statement', content: { text: 'mine now' } } }), 404);
    for (const indexPrice of ['0', '-21535.375', '6.42107e4', '64,210.7', '21535.375 ', '0.000000000000000000000000000001', '1'.repeat(25)]) {
      expectProblem(await harness.request('POST', `/v1/disputes/${ticketId}/evidence`, { token: tradingSystem, body: { kind: 'index_price', content: { indexPrice, at: '2026-12-07T09:30:00.250Z' } } }), 400, /indexPrice/);
    }
    expectProblem(await harness.request('POST', `/v1/disputes/${ticketId}/evidence`, { token: tradingSystem, body: { kind: 'index_price', content: { indexPrice: 21535.375, at: '2026-12-07T09:30:00.250Z' } } }), 400, /decimal string/);
    expect((await harness.request('GET', `/v1/disputes/${ticketId}`, { token: customer })).body).toMatchObject({ items: [] });
  });

  it('the trading system submits the log and the index price; the deviation of exactly 0.5% is within tolerance', async () => {
    const log = {
      orders: [{ orderId: 'o-1', side: 'buy', price: '64400', quantity: '0.75', at: '2026-12-07T08:00:00Z' }],
      fills: [{ orderId: 'o-1', price: '64400', quantity: '0.75', fee: '0.9660', at: '2026-12-07T08:00:01Z' }],
      marginRatios: [{ at: '2026-12-07T09:29:00Z', ratio: '0.93' }, { at: '2026-12-07T09:30:00Z', ratio: '1.00' }],
    };
    const withLog = await harness.request('POST', `/v1/disputes/${ticketId}/evidence`, { token: tradingSystem, body: { kind: 'trade_log', content: log } });
    expect(withLog.status).toBe(200);
    const indexed = await harness.request('POST', `/v1/disputes/${ticketId}/evidence`, { token: tradingSystem, body: { kind: 'index_price', content: { indexPrice: '21535.375', at: '2026-12-07T09:30:00.250Z', source: 'index-v3' } } });
    const dispute = indexed.body as Dispute;
    // (21535.375 − 21427.698125) / 21535.375 = 107.676875 / 21535.375 = 0.005 exactly; in floats it comes out above 0.005.
    expect(Math.abs(21427.698125 - 21535.375) / 21535.375 > 0.005).toBe(true);
    expect(dispute.assessment).toMatchObject({ deviation: '0.005', tolerance: '0.005', withinTolerance: true, indexPrice: '21535.375', liquidationPrice: '21427.698125' });
    indexItem = dispute.items.find((item) => item.kind === 'index_price')!.evidenceId;
    expect(dispute.assessment!.evidenceIds).toEqual([indexItem]);
    expect(dispute.items.map((item) => [item.kind, item.submittedBy])).toEqual([
      ['trade_log', { kind: 'service', id: 'trading-engine' }],
      ['index_price', { kind: 'service', id: 'trading-engine' }],
    ]);
    // The same log again, keys in another order: the same item, nothing appended.
    const again = await harness.request('POST', `/v1/disputes/${ticketId}/evidence`, { token: tradingSystem, body: { kind: 'trade_log', content: { marginRatios: log.marginRatios, fills: log.fills, orders: log.orders } } });
    expect((again.body as Dispute).items).toHaveLength(2);
    // The customer sees every item, the complete trading log included.
    const seen = (await harness.request('GET', `/v1/disputes/${ticketId}`, { token: customer })).body as Dispute;
    expect(seen.items.find((item) => item.kind === 'trade_log')!.content).toEqual(log);
  });

  it('the customer adds a statement and an attachment stored by its hash', async () => {
    const bytes = Buffer.from('%PDF-1.7 screenshot of the liquidation notice');
    const stored = await harness.request('POST', `/v1/disputes/${ticketId}/attachments`, { token: customer, body: { contentBase64: bytes.toString('base64') } });
    expect(stored.status).toBe(201);
    const { sha256, size } = stored.body as { sha256: string; size: number };
    expect(size).toBe(bytes.length);
    expectProblem(await harness.request('POST', `/v1/disputes/${ticketId}/evidence`, { token: customer, body: { kind: 'attachment', content: { name: 'notice.pdf', mediaType: 'application/pdf', size: 999, sha256 } } }), 422, /bytes/);
    const attached = await harness.request('POST', `/v1/disputes/${ticketId}/evidence`, { token: customer, body: { kind: 'attachment', content: { name: 'notice.pdf', mediaType: 'application/pdf', size, sha256 } } });
    expect(attached.status).toBe(200);
    const download = await fetch(`${harness.baseUrl}/v1/disputes/${ticketId}/attachments/${sha256}`, { headers: { authorization: `Bearer ${agent}` } });
    expect(Buffer.from(await download.arrayBuffer())).toEqual(bytes);
    const stated = await harness.request('POST', `/v1/disputes/${ticketId}/evidence`, { token: customer, body: { kind: 'statement', content: { text: 'The mark price never touched my liquidation price.' } } });
    expect((stated.body as Dispute).items.map((item) => item.kind)).toEqual(['trade_log', 'index_price', 'attachment', 'statement']);
  });

  it('only a cleared agent or a supervisor decides, citing evidence of the case; the decision seals it', async () => {
    const decision = { outcome: 'rejected', reason: 'The liquidation price deviated 0.5% from the index price, within the 0.5% tolerance.', citedEvidenceIds: [indexItem] };
    expectProblem(await harness.request('POST', `/v1/disputes/${ticketId}/decision`, { token: agent, body: decision }), 403, /disputes clearance/);
    expectProblem(await harness.request('POST', `/v1/disputes/${ticketId}/decision`, { token: customer, body: decision }), 403);
    expectProblem(await harness.request('POST', `/v1/disputes/${ticketId}/decision`, { token: clearedAgent, body: { ...decision, citedEvidenceIds: ['00000000-0000-4000-8000-000000000000'] } }), 400, /does not have/);
    const decided = await harness.request('POST', `/v1/disputes/${ticketId}/decision`, { token: clearedAgent, body: decision });
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({ status: 'sealed', decision: { outcome: 'rejected', citedEvidenceIds: [indexItem], decidedBy: { kind: 'agent', id: 'agent-disputes' } } });
    // Customers see staff by role.
    expect(((await harness.request('GET', `/v1/disputes/${ticketId}`, { token: customer })).body as Dispute).decision!.decidedBy).toEqual({ kind: 'agent' });
    const before = ((await harness.request('GET', `/v1/disputes/${ticketId}`, { token: auditor })).body as Dispute).items.length;
    expectProblem(await harness.request('POST', `/v1/disputes/${ticketId}/evidence`, { token: customer, body: { kind: 'statement', content: { text: 'one more thing' } } }), 409, /sealed/);
    expectProblem(await harness.request('POST', `/v1/disputes/${ticketId}/decision`, { token: supervisor, body: decision }), 409);
    expect(((await harness.request('GET', `/v1/disputes/${ticketId}`, { token: auditor })).body as Dispute).items).toHaveLength(before);
  });

  it('the customer appeals: a new round, linked, re-assessed on the same evidence', async () => {
    const appealed = await harness.request('POST', `/v1/disputes/${ticketId}/appeal`, { token: customer, body: { reason: 'The index price feed lagged during the crash.' } });
    expect(appealed.status).toBe(200);
    const dispute = appealed.body as Dispute;
    expect(dispute).toMatchObject({ status: 'open', round: 2, assessment: { withinTolerance: true }, decision: null });
    expect(dispute.rounds.map((round) => round.appealOf)).toEqual([null, { round: 1, reason: 'The index price feed lagged during the crash.' }]);
  });

  it('the bundle exported over HTTP verifies offline with the public key; a tampered one names the item', async () => {
    const reply = await harness.request('GET', `/v1/disputes/${ticketId}/bundle`, { token: auditor });
    expect(reply.status).toBe(200);
    const key = (await harness.request('GET', '/v1/disputes/signing-key', { token: customer })).body as { keyId: string; publicKeyPem: string };
    const publicKey = publicKeyFromPem(key.publicKeyPem);
    expect(verifyEvidenceBundle(reply.body, publicKey)).toMatchObject({ valid: true, ticketId, keySource: 'given', keyId: key.keyId });

    const file = join(harness.dataDir, 'bundle.json');
    const keyFile = join(harness.dataDir, 'public.pem');
    await writeFile(file, JSON.stringify(reply.body, null, 2));
    await writeFile(keyFile, key.publicKeyPem);
    const verified = await execFileAsync('node', [CLI, 'audit', 'verify-bundle', file, '--public-key', keyFile]);
    expect(JSON.parse(verified.stdout)).toMatchObject({ valid: true });

    const tampered = JSON.parse(await readFile(file, 'utf8')) as { items: Item[] };
    const log = tampered.items.find((item) => item.kind === 'trade_log')!;
    (log.content['fills'] as { price: string }[])[0].price = '64300';
    await writeFile(file, JSON.stringify(tampered));
    const failed = await execFileAsync('node', [CLI, 'audit', 'verify-bundle', file, '--public-key', keyFile]).catch((error: { code: number; stdout: string }) => error);
    expect((failed as { code: number }).code).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({ valid: false, where: { item: log.evidenceId } });
  });

  it('a recovery: feasibility, quote, acceptance with a working-day window, tracing, credited = amount − fee', async () => {
    recoveryTicketId = await openTicket(customer, 'Hi, is there a referral program and where is the fee schedule?');
    const deposit = { asset: 'eth', amount: '1.5', txHash: '0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060', sentNetwork: 'BEP20', expectedNetwork: 'ERC20', address: '0x9f8b1c3f6f4b1e0b2b0f7d3c1a2e4b5c6d7e8f90' };
    expectProblem(await harness.request('POST', `/v1/recoveries/${recoveryTicketId}`, { token: customer, body: { ...deposit, sentNetwork: 'TRC20' } }), 422);
    expectProblem(await harness.request('GET', `/v1/recoveries/${recoveryTicketId}`, { token: customer }), 404);
    expectProblem(await harness.request('POST', `/v1/recoveries/${recoveryTicketId}`, { token: customer, body: { ...deposit, amount: '1,5' } }), 400, /amount/);
    const requested = await harness.request('POST', `/v1/recoveries/${recoveryTicketId}`, { token: customer, body: deposit });
    expect(requested.status).toBe(201);
    const recovery = requested.body as Recovery;
    expect(recovery).toMatchObject({ status: 'quoted', conditions: [], quote: { fee: '0.15', creditedOnSuccess: '1.35', expired: false, etaWorkingDays: { min: 15, max: 30 } } });
    expect(recovery.notice).toMatch(/not guaranteed/);
    expect(JSON.stringify(recovery)).not.toMatch(/\bwill (be )?recover|guarantee(d)? (to|that)/i);
    expect((await harness.nextEvent(`routing-${recoveryTicketId}`, 'TicketRecategorized')).data).toMatchObject({ to: 'wrong_network_deposit' });

    expectProblem(await harness.request('POST', `/v1/recoveries/${recoveryTicketId}/accept`, { token: customer, body: { quoteId: '00000000-0000-4000-8000-000000000000' } }), 409);
    const accepted = await harness.request('POST', `/v1/recoveries/${recoveryTicketId}/accept`, { token: customer, body: { quoteId: recovery.quote!.quoteId } });
    expect(accepted.status).toBe(200);
    const window = accepted.body as Recovery;
    // 15 and 30 working days (Monday to Friday) after Monday 2026-12-07: Monday 2026-12-28 and Monday 2027-01-18.
    expect([window.etaFrom, window.etaTo]).toEqual(['2026-12-28T23:59:59.999Z', '2027-01-18T23:59:59.999Z']);

    expectProblem(await harness.request('POST', `/v1/recoveries/${recoveryTicketId}/tracing`, { token: agent }), 403, /recovery clearance/);
    expect((await harness.request('POST', `/v1/recoveries/${recoveryTicketId}/tracing`, { token: clearedAgent })).status).toBe(200);
    const done = await harness.request('POST', `/v1/recoveries/${recoveryTicketId}/outcome`, { token: clearedAgent, body: { outcome: 'succeeded', creditTxHash: '0xabcdef0123456789' } });
    expect(done.body).toMatchObject({ status: 'succeeded', outcome: { kind: 'succeeded', credited: '1.35', fee: '0.15', amount: '1.5' } });
  });

  it('an accepted recovery past its window alerts once (RecoveryEtaOverrun)', async () => {
    const id = await openTicket(customer, 'I deposited XRP without the destination tag. Please help.');
    const requested = await harness.request('POST', `/v1/recoveries/${id}`, {
      token: customer,
      body: { asset: 'XRP', amount: '2500', txHash: 'A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F90', sentNetwork: 'XRP', expectedNetwork: 'XRP', address: 'rLHzPsX6oXkzU2qL12kHCH8G8cnZv1rBJh', memo: null },
    });
    const recovery = requested.body as Recovery;
    expect(recovery.conditions).toEqual(['proof_of_ownership']);
    // An expired quote cannot be accepted; a fresh one can.
    clock.advance(Date.parse(recovery.quote!.validUntil) - clock.now().getTime() + 1);
    customer = await harness.token('customer', 'cust-d1');
    expectProblem(await harness.request('POST', `/v1/recoveries/${id}/accept`, { token: customer, body: { quoteId: recovery.quote!.quoteId } }), 409, /expired/);
    const requoted = (await harness.request('POST', `/v1/recoveries/${id}/quote`, { token: customer })).body as Recovery;
    expect((await harness.request('POST', `/v1/recoveries/${id}/accept`, { token: customer, body: { quoteId: requoted.quote!.quoteId } })).status).toBe(200);
    // The timer reads the window from the cases read model: let it take the acceptance first.
    await harness.runtime.projections.waitFor((await harness.nextEvent(`recovery-${id}`, 'RecoveryQuoteAccepted')).globalPosition);
    const overrun = harness.nextEvent(`recovery-${id}`, 'RecoveryEtaOverrun');
    clock.advance(45 * 86_400_000);
    await overrun;
    supervisor = await harness.token('supervisor', 'sup-1');
    expect(((await harness.request('GET', `/v1/recoveries/${id}`, { token: supervisor })).body as Recovery).etaOverrun).toBe(true);
    // Ops alert on it: the overdue recovery and every case by status are on /metrics.
    const metrics = String((await harness.request('GET', '/metrics')).body);
    expect(metrics).toMatch(/^ticketing_recoveries_overdue 1$/m);
    expect(metrics).toMatch(/^ticketing_dispute_cases\{kind="recovery",status="succeeded"\} 1$/m);
    expect(metrics).toMatch(/^ticketing_dispute_cases\{kind="dispute",status="open"\} 1$/m);
  });
});
