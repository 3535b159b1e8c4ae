import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { verifyEvidenceBundle } from '@ticketing/evidence-bundle';
import { newId } from '@ticketing/kernel';
import { publicKeyFromPem } from '@ticketing/platform';
import { TicketingHarness, type HttpReply } from './test-support/ticketing.harness';

type Entry = { id: string; position: number; streamName: string; revision: number; type: string; actor: { kind: string; id: string }; correlationId: string; causationId: string; hash: string; decidedUnder: { modelVersion?: string; policyVersion?: number } };
type Page = { events: Entry[]; nextCursor: string | null };
type Verification = { valid: boolean; streams: { streamName: string; events: number; valid: boolean }[]; firstBroken: { streamName: string; revision: number; reason: string; expected: string; found: string } | null };

const execFileAsync = promisify(execFile);
const CLI = join(__dirname, '../../../bin/ticketing.js');

const expectProblem = (reply: HttpReply, statusCode: number, mentions?: RegExp) => {
  expect([reply.status, reply.contentType, reply.body]).toEqual([statusCode, expect.stringContaining('application/problem+json'), expect.anything()]);
  if (mentions !== undefined) expect(JSON.stringify(reply.body)).toMatch(mentions);
};

/** An auditor's session over REST, in order on one process: history, state at a moment, verification, export, and who read what. */
describe('audit over REST (e2e)', () => {
  let harness: TicketingHarness;
  let customer: string;
  let agent: string;
  let auditor: string;
  let ticketId: string;

  beforeAll(async () => {
    harness = await TicketingHarness.start();
    customer = await harness.token('customer', 'cust-a1');
    agent = await harness.token('agent', 'agent-a1');
    auditor = await harness.token('auditor', 'aud-7');
    const opened = await harness.request('POST', '/v1/tickets', { token: customer, body: { channel: 'chat', body: 'someone withdrew my USDT, I did not do it', chat: { sessionId: 's-a1' } } });
    ticketId = (opened.body as { id: string }).id;
    await harness.ticketQueued(ticketId);
    await harness.nextEvent(`sla-${ticketId}`, 'SlaPolicyApplied');
    expect((await harness.request('POST', `/v1/tickets/${ticketId}/messages`, { token: agent, body: { body: 'We froze the account and are looking into it.' } })).status).toBeLessThan(300);
  }, 60_000);
  afterAll(() => harness?.close());

  it('is for auditors and admins only', async () => {
    for (const token of [customer, agent]) expectProblem(await harness.request('GET', `/v1/audit/tickets/${ticketId}/history`, { token }), 403);
    expectProblem(await harness.request('GET', `/v1/audit/tickets/${newId()}/history`, { token: auditor }), 404);
  });

  it('the history merges every context’s events in global order, with actor, cause and the versions decided under', async () => {
    const page = (await harness.request('GET', `/v1/audit/tickets/${ticketId}/history?limit=1000`, { token: auditor })).body as Page;
    const positions = page.events.map((event) => event.position);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(new Set(page.events.map((event) => event.streamName.split('-')[0]))).toEqual(new Set(['ticket', 'routing', 'sla']));
    expect(page.events[0]).toMatchObject({ type: 'TicketOpened', actor: { kind: 'customer', id: 'cust-a1' } });
    const classified = page.events.find((event) => event.type === 'TicketClassified')!;
    expect(classified.decidedUnder.modelVersion).toEqual(expect.any(String));
    // Routing classified it because of the opening: the cause is that event.
    expect(classified.causationId).toBe(page.events[0].id);
    expect(classified.correlationId).toBe(page.events[0].correlationId);
    expect(page.events.find((event) => event.type === 'SlaPolicyApplied')!.decidedUnder.policyVersion).toBe(0);
    // Paged two at a time, the pages add up to the whole.
    const paged: Entry[] = [];
    let cursor: string | null = null;
    do {
      const reply: HttpReply = await harness.request('GET', `/v1/audit/tickets/${ticketId}/history?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`, { token: auditor });
      const next = reply.body as Page;
      paged.push(...next.events);
      cursor = next.nextCursor;
    } while (cursor !== null);
    expect(paged.map((event) => event.position)).toEqual(positions);
    expectProblem(await harness.request('GET', `/v1/audit/tickets/${ticketId}/history?cursor=bm90LWEtY3Vyc29y`, { token: auditor }), 400, /cursor/);
  });

  it('the state at a moment: empty before the ticket, the agent’s view mid-way, bad moments refused', async () => {
    const page = (await harness.request('GET', `/v1/audit/tickets/${ticketId}/history?limit=1000`, { token: auditor })).body as Page;
    const before = await harness.request('GET', `/v1/audit/tickets/${ticketId}/state?at=2000-01-01T00:00:00Z`, { token: auditor });
    expect(before.body).toMatchObject({ existed: false, intake: null, routing: null });
    const queued = page.events.find((event) => event.type === 'TicketQueued')!;
    const midway = (await harness.request('GET', `/v1/audit/tickets/${ticketId}/state?at=${queued.position}`, { token: auditor })).body as Record<string, Record<string, unknown>>;
    expect(midway['existed']).toBe(true);
    expect(midway['routing']).toMatchObject({ category: expect.any(String), queue: expect.any(String) });
    expect(midway['intake']).toMatchObject({ status: 'open' });
    const now = (await harness.request('GET', `/v1/audit/tickets/${ticketId}/state`, { token: auditor })).body as Record<string, Record<string, unknown>>;
    expect(now['sla']).not.toBeNull();
    expectProblem(await harness.request('GET', `/v1/audit/tickets/${ticketId}/state?at=99999999`, { token: auditor }), 400, /past the log/);
    expectProblem(await harness.request('GET', `/v1/audit/tickets/${ticketId}/state?at=yesterday`, { token: auditor }), 400);
  });

  it('diff: what changed between two moments, by whom and why (REST and the CLI)', async () => {
    const page = (await harness.request('GET', `/v1/audit/tickets/${ticketId}/history?limit=1000`, { token: auditor })).body as Page;
    const opened = page.events[0].position;
    const last = page.events[page.events.length - 1].position;
    type Diff = { changes: { path: string; before: unknown; after: unknown }[]; events: { type: string; actor: { kind: string; id: string }; position: number }[] };
    const diff = (await harness.request('GET', `/v1/audit/tickets/${ticketId}/diff?from=${opened}&to=${last}`, { token: auditor })).body as Diff;
    expect(diff.events.map((event) => event.position)).toEqual(page.events.slice(1).map((event) => event.position));
    expect(diff.events).toContainEqual(expect.objectContaining({ type: 'AgentReplied', actor: { kind: 'agent', id: 'agent-a1' } }));
    expect(diff.changes).toContainEqual(expect.objectContaining({ path: 'routing', before: null }));
    expect(diff.changes.some((change) => change.path.startsWith('intake.'))).toBe(true);
    expectProblem(await harness.request('GET', `/v1/audit/tickets/${ticketId}/diff?from=${opened}`, { token: auditor }), 400, /required/);
    const cli = await execFileAsync('node', [CLI, 'audit', 'diff', ticketId, '--at', String(opened), '--at', String(last)], { env: { ...process.env, TICKETING_DATA_DIR: harness.dataDir } });
    expect((JSON.parse(cli.stdout) as Diff).events.length).toBe(diff.events.length);
    // The CLI opened and closed the store while the server (and its consumer thread) had it open:
    // it must not have taken the file for unused and deleted the WAL the server still writes to.
    expect(existsSync(join(harness.dataDir, 'events.db-wal'))).toBe(true);
  });

  it('verify holds, and names the event a direct edit of the SQLite file changed', async () => {
    const intact = (await harness.request('GET', `/v1/audit/tickets/${ticketId}/verify`, { token: auditor })).body as Verification;
    expect(intact).toMatchObject({ valid: true, firstBroken: null });
    expect(intact.streams.map((stream) => stream.streamName).sort()).toEqual([`routing-${ticketId}`, `sla-${ticketId}`, `ticket-${ticketId}`]);

    const db = new Database(join(harness.dataDir, 'events.db'));
    try {
      const row = db.prepare('SELECT global_position, stream_revision, data, hash FROM es_events WHERE stream_name = ? AND type = ?').get(`ticket-${ticketId}`, 'TicketOpened') as { stream_revision: number; data: string; hash: string };
      const edited = JSON.stringify({ ...JSON.parse(row.data), body: 'I withdrew it myself, never mind' });
      db.prepare('UPDATE es_events SET data = ? WHERE stream_name = ? AND stream_revision = ?').run(edited, `ticket-${ticketId}`, row.stream_revision);
      const tampered = (await harness.request('GET', `/v1/audit/tickets/${ticketId}/verify`, { token: auditor })).body as Verification;
      expect(tampered.valid).toBe(false);
      expect(tampered.firstBroken).toMatchObject({ streamName: `ticket-${ticketId}`, revision: row.stream_revision, reason: 'hash_mismatch', found: row.hash });
      expect(tampered.firstBroken!.expected).not.toBe(row.hash);
      db.prepare('UPDATE es_events SET data = ? WHERE stream_name = ? AND stream_revision = ?').run(row.data, `ticket-${ticketId}`, row.stream_revision);
    } finally {
      db.close();
    }
    expect(((await harness.request('GET', `/v1/audit/tickets/${ticketId}/verify`, { token: auditor })).body as Verification).valid).toBe(true);
  });

  it('exports the history signed; `ticketing audit verify` checks it offline and names a changed byte', async () => {
    const exported = await harness.request('GET', `/v1/audit/tickets/${ticketId}/export`, { token: auditor });
    const key = (await harness.request('GET', '/v1/disputes/signing-key', { token: auditor })).body as { publicKeyPem: string };
    expect(verifyEvidenceBundle(exported.body, publicKeyFromPem(key.publicKeyPem))).toMatchObject({ valid: true, ticketId, keySource: 'given' });
    const file = join(harness.dataDir, 'audit.json');
    const keyFile = join(harness.dataDir, 'exchange.pem');
    await writeFile(file, JSON.stringify(exported.body, null, 2));
    await writeFile(keyFile, key.publicKeyPem);
    expect(JSON.parse((await execFileAsync('node', [CLI, 'audit', 'verify', file, '--public-key', keyFile])).stdout)).toMatchObject({ valid: true });
    // The body is sealed in the export (personal data); the chat session id is not.
    await writeFile(file, (await readFile(file, 'utf8')).replace('"s-a1"', '"s-a2"'));
    const failed = await execFileAsync('node', [CLI, 'audit', 'verify', file, '--public-key', keyFile]).catch((error: { code: number; stdout: string }) => error);
    expect((failed as { code: number }).code).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({ valid: false, where: { stream: `ticket-${ticketId}`, revision: 0 } });
  });

  it('records every read: who looked at what', async () => {
    const reads = [];
    for await (const event of harness.runtime.eventStore.readAll({ filter: { eventTypes: ['AuditAccessed'] } })) reads.push(event);
    expect(reads.length).toBeGreaterThanOrEqual(8);
    // The auditor's reads over the API, and the operator's `ticketing audit diff` at the console.
    expect(new Set(reads.map((event) => `${event.streamName.slice(0, -10)}${(event.data as { via: string }).via}`))).toEqual(new Set(['audit-access-auditor.aud-7.api', 'audit-access-system.cli.cli']));
    expect(new Set(reads.map((event) => (event.data as { what: { operation: string } }).what.operation))).toEqual(new Set(['history', 'state', 'diff', 'verify', 'export']));
    // A refused read (a customer, an unknown ticket) is not recorded as one.
    expect(reads.every((event) => ['aud-7', 'cli'].includes((event.data as { who: { id: string } }).who.id))).toBe(true);
  });
});
