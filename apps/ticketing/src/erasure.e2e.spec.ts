import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { ERASED_PERSONAL_DATA } from '@ticketing/contracts';
import { verifyEvidenceBundle, type EvidenceBundle } from '@ticketing/evidence-bundle';
import { TicketingHarness, type HttpReply } from './test-support/ticketing.harness';

const execFileAsync = promisify(execFile);
const CLI = join(__dirname, '../../../bin/ticketing.js');

const expectProblem = (reply: HttpReply, statusCode: number, mentions?: RegExp) => {
  expect([reply.status, reply.contentType]).toEqual([statusCode, expect.stringContaining('application/problem+json')]);
  if (mentions !== undefined) expect(JSON.stringify(reply.body)).toMatch(mentions);
};

const firstTicket = {
  channel: 'email',
  subject: 'Deposit sent on the wrong network',
  body: 'Hello, I am Alice Liddell. I sent 1.5 ETH on BSC to my ERC20 address by mistake.',
  email: { fromAddress: 'alice.liddell@example.com', messageId: '<a1@example.com>' },
};

const SECRETS = ['alice.liddell@example.com', 'Alice Liddell', '0x9f8b1c3f6f4b1e0b2b0f7d3c1a2e4b5c6d7e8f90', 'frozen your account, Alice'];

/** Every text column of every table of a SQLite file, as one string: where a secret could hide. */
function everythingIn(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
    return tables.map(({ name }) => JSON.stringify(db.prepare(`SELECT * FROM "${name}"`).all())).join('\n');
  } finally {
    db.close();
  }
}

/**
 * Erasure that keeps the proof, end to end on one process: personal data is stored sealed, an
 * admin erases a customer, every read path and read model then shows `[erased]`, while every hash
 * chain still verifies, the signed export still verifies offline, and SLA results are unchanged.
 */
describe('erasure of a customer’s personal data (e2e)', () => {
  let harness: TicketingHarness;
  let customer: string;
  let agent: string;
  let auditor: string;
  let admin: string;
  let ticketId: string;
  let disputeTicketId: string;
  const statement = 'I, Alice Liddell, never saw the mark price reach my liquidation price.';
  const disputeBundle = async () => (await harness.request('GET', `/v1/disputes/${disputeTicketId}/bundle`, { token: auditor })).body as EvidenceBundle;

  beforeAll(async () => {
    harness = await TicketingHarness.start();
    customer = await harness.token('customer', 'cust-erase-1');
    agent = await harness.token('agent', 'agent-e1');
    auditor = await harness.token('auditor', 'aud-e1');
    admin = await harness.token('admin', 'admin-e1');
    const opened = await harness.request('POST', '/v1/tickets', { token: customer, body: firstTicket, headers: { 'idempotency-key': 'alice-first-ticket' } });
    expect(opened.status).toBe(201);
    ticketId = (opened.body as { id: string }).id;
    await harness.ticketQueued(ticketId);
    await harness.nextEvent(`sla-${ticketId}`, 'SlaPolicyApplied');
    expect((await harness.request('POST', `/v1/tickets/${ticketId}/messages`, { token: agent, body: { body: 'We have frozen your account, Alice, and are looking into it.' } })).status).toBe(201);
    const deposit = { asset: 'eth', amount: '1.5', txHash: '0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060', sentNetwork: 'BEP20', expectedNetwork: 'ERC20', address: SECRETS[2] };
    expect((await harness.request('POST', `/v1/recoveries/${ticketId}`, { token: customer, body: deposit })).status).toBe(201);
    const second = await harness.request('POST', '/v1/tickets', { token: customer, body: { channel: 'chat', body: 'My BTCUSDT long was liquidated although the index never went that low', chat: { sessionId: 's-alice-2' } } });
    disputeTicketId = (second.body as { id: string }).id;
    await harness.ticketQueued(disputeTicketId);
    const dispute = { position: { symbol: 'btcusdt', side: 'long', size: '0.75', leverage: '20', marginMode: 'isolated' }, liquidationPrice: '21427.698125', liquidatedAt: '2026-12-07T09:30:00.250Z' };
    expect((await harness.request('POST', `/v1/disputes/${disputeTicketId}`, { token: customer, body: dispute })).status).toBe(201);
    expect((await harness.request('POST', `/v1/disputes/${disputeTicketId}/evidence`, { token: customer, body: { kind: 'statement', content: { text: statement } } })).status).toBe(200);
    await harness.runtime.projections.waitFor(await harness.runtime.eventStore.headPosition());
  }, 90_000);
  afterAll(() => harness?.close());

  it('stores personal data only sealed: the event file holds none of it in clear, the API shows it', async () => {
    const replayed = await harness.request('POST', '/v1/tickets', { token: customer, body: firstTicket, headers: { 'idempotency-key': 'alice-first-ticket' } });
    expect(replayed.body).toMatchObject({ id: ticketId, subject: firstTicket.subject });
    const stored = everythingIn(join(harness.dataDir, 'events.db'));
    for (const secret of SECRETS) expect(stored).not.toContain(secret);
    const ticket = (await harness.request('GET', `/v1/tickets/${ticketId}`, { token: customer })).body as Record<string, unknown>;
    expect(ticket).toMatchObject({ subject: 'Deposit sent on the wrong network', channelDetails: { fromAddress: 'alice.liddell@example.com' } });
    // The dispute's bundle holds the chain as stored (sealed) and the statement in clear, checked against its content hash.
    const bundle = await disputeBundle();
    expect(bundle.items).toEqual([expect.objectContaining({ kind: 'statement', content: { text: statement } })]);
    expect(verifyEvidenceBundle(bundle)).toMatchObject({ valid: true });
    const forged = JSON.parse(JSON.stringify(bundle).replace(statement, 'I, Alice Liddell, withdraw my complaint.')) as EvidenceBundle;
    expect(verifyEvidenceBundle(forged)).toMatchObject({ valid: false, problem: expect.stringContaining('content hashes to') });
  });

  it('only admins erase; bad input and unknown customers change nothing', async () => {
    for (const token of [customer, agent, auditor]) expectProblem(await harness.request('POST', '/v1/privacy/customers/cust-erase-1/erasure', { token, body: {} }), 403);
    expectProblem(await harness.request('POST', '/v1/privacy/customers/nobody-here/erasure', { token: admin, body: {} }), 404, /No personal data/);
    expectProblem(await harness.request('POST', '/v1/privacy/customers/cust-erase-1/erasure', { token: admin, body: { reason: 'x'.repeat(1001) } }), 400, /reason/);
    expectProblem(await harness.request('POST', '/v1/privacy/customers/cust-erase-1/erasure', { token: admin, body: { reason: 42 } }), 400, /reason/);
    expectProblem(await harness.request('GET', '/v1/privacy/customers/cust-erase-1', { token: customer }), 403);
    const status = await harness.request('GET', '/v1/privacy/customers/cust-erase-1', { token: auditor });
    expect(status.body).toMatchObject({ customerId: 'cust-erase-1', erased: false, keys: [{ erasedAt: null }] });
  });

  it('erase, then verify: personal data reads [erased] everywhere, every chain and the signed export still verify, SLA unchanged', async () => {
    // What the clocks decided; elapsed and remaining seconds move with the wall clock.
    const slaOf = async () =>
      ((await harness.request('GET', `/v1/tickets/${ticketId}/sla`, { token: agent })).body as { clocks: Record<string, unknown>[] }).clocks.map(({ target, state, rule, startedAt, dueAt, policyVersion }) => ({ target, state, rule, startedAt, dueAt, policyVersion }));
    const slaBefore = await slaOf();
    expect(slaBefore.length).toBeGreaterThan(0);
    const erased = await harness.request('POST', '/v1/privacy/customers/cust-erase-1/erasure', { token: admin, body: { reason: 'GDPR request #1234' } });
    expect(erased.status).toBe(200);
    const report = erased.body as { destroyedKeyIds: string[]; position: number };
    expect(report.destroyedKeyIds).toHaveLength(1);
    await harness.runtime.erasureHandled(report.position);

    const ticket = (await harness.request('GET', `/v1/tickets/${ticketId}`, { token: agent })).body as Record<string, unknown>;
    expect(ticket).toMatchObject({ subject: ERASED_PERSONAL_DATA, channelDetails: { fromAddress: ERASED_PERSONAL_DATA, messageId: '<a1@example.com>' }, customerId: 'cust-erase-1', category: expect.any(String) });
    const messages = JSON.stringify((await harness.request('GET', `/v1/tickets/${ticketId}/messages`, { token: agent })).body);
    const recovery = JSON.stringify((await harness.request('GET', `/v1/recoveries/${ticketId}`, { token: agent })).body);
    const history = JSON.stringify((await harness.request('GET', `/v1/audit/tickets/${ticketId}/history?limit=1000`, { token: auditor })).body);
    for (const text of [messages, recovery, history]) {
      expect(text).toContain(ERASED_PERSONAL_DATA);
      for (const secret of SECRETS) expect(text).not.toContain(secret);
    }
    // The stored response of the idempotent opening is gone too: a retry is refused, not replayed (nor carried out again).
    expectProblem(await harness.request('POST', '/v1/tickets', { token: customer, body: firstTicket, headers: { 'idempotency-key': 'alice-first-ticket' } }), 409, /erased/);
    // The read models were rebuilt: nothing of the customer's is left in clear in the read store.
    const readModels = everythingIn(join(harness.dataDir, 'read.db'));
    for (const secret of SECRETS) expect(readModels).not.toContain(secret);

    const verification = (await harness.request('GET', `/v1/audit/tickets/${ticketId}/verify`, { token: auditor })).body as { valid: boolean; streams: { streamName: string }[] };
    expect(verification.valid).toBe(true);
    expect(verification.streams.map((stream) => stream.streamName.split('-')[0]).sort()).toEqual(['recovery', 'routing', 'sla', 'ticket']);
    const bundle = (await harness.request('GET', `/v1/audit/tickets/${ticketId}/export`, { token: auditor })).body as EvidenceBundle;
    expect(verifyEvidenceBundle(bundle)).toMatchObject({ valid: true });
    expect(await slaOf()).toEqual(slaBefore);

    // The statement is gone from the dispute's bundle too; the bundle still verifies (the item by its event, not its hash).
    const disputeAfter = await disputeBundle();
    expect(disputeAfter.items).toEqual([expect.objectContaining({ kind: 'statement', content: { text: ERASED_PERSONAL_DATA } })]);
    expect(verifyEvidenceBundle(disputeAfter)).toMatchObject({ valid: true });
    expect(JSON.stringify(disputeAfter)).not.toContain('Alice');
    const faked = JSON.parse(JSON.stringify(disputeAfter).replace('"kind":"statement"', '"kind":"trade_log"')) as EvidenceBundle;
    expect(verifyEvidenceBundle(faked)).toMatchObject({ valid: false });

    const status = await harness.request('GET', '/v1/privacy/customers/cust-erase-1', { token: admin });
    expect(status.body).toMatchObject({ erased: true, keys: [{ erasedAt: expect.any(String) }] });
    // Repeating it destroys nothing more, and is recorded again.
    const again = await harness.request('POST', '/v1/privacy/customers/cust-erase-1/erasure', { token: admin, body: {} });
    expect(again.body).toMatchObject({ destroyedKeyIds: [] });
    const erasures: string[] = [];
    for await (const recorded of harness.runtime.eventStore.readStream('privacy-cust-erase-1')) erasures.push(`${recorded.type}:${recorded.metadata.actor.id}`);
    expect(erasures).toEqual(['CustomerDataErased:admin-e1', 'CustomerDataErased:admin-e1']);
  });

  it('the CLI erases beside the running server, which rebuilds its read models', async () => {
    const other = await harness.token('customer', 'cust-erase-2');
    const opened = await harness.request('POST', '/v1/tickets', { token: other, body: { channel: 'chat', body: 'My name is Bob Marley, my card was charged twice', chat: { sessionId: 's-bob' } } });
    const otherTicket = (opened.body as { id: string }).id;
    await harness.ticketQueued(otherTicket);
    const env = { ...process.env, TICKETING_DATA_DIR: harness.dataDir, LOG_LEVEL: 'silent' };
    const cli = await execFileAsync('node', [CLI, 'privacy', 'erase', 'cust-erase-2', '--reason', 'account closed'], { env });
    const report = JSON.parse(cli.stdout) as { position: number; destroyedKeyIds: string[] };
    expect(report.destroyedKeyIds).toHaveLength(1);
    await harness.runtime.erasureHandled(report.position);
    const ticket = (await harness.request('GET', `/v1/tickets/${otherTicket}`, { token: other })).body as Record<string, unknown>;
    expect(ticket['subject']).toBe(ERASED_PERSONAL_DATA);
    expect(everythingIn(join(harness.dataDir, 'read.db'))).not.toContain('Bob Marley');
    const status = await execFileAsync('node', [CLI, 'privacy', 'status', 'cust-erase-2'], { env });
    expect(JSON.parse(status.stdout)).toMatchObject({ erased: true });
    await expect(execFileAsync('node', [CLI, 'privacy', 'erase', 'never-seen'], { env })).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('No personal data') });
  });
});
