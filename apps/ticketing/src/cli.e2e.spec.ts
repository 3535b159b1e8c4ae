import Database from 'better-sqlite3';
import { join } from 'node:path';
import { newId } from '@ticketing/kernel';
import { HmacTokenVerifier, loadOrCreateDevSecret } from '@ticketing/platform';
import { buildCompiledCli, runCli } from './test-support/compiled-cli';
import { newDataDir, TicketingHarness } from './test-support/ticketing.harness';

const ticket = { channel: 'web_form', subject: 'KYC rejected', body: 'My passport was rejected twice', language: 'es', webForm: { formId: 'kyc' } };

describe('ticketing CLI (compiled, in a child process)', () => {
  beforeAll(() => buildCompiledCli(), 180_000);

  describe('token', () => {
    it('prints only a token that the data folder’s secret verifies, with the role and subject asked for', async () => {
      const dataDir = await newDataDir();
      const result = await runCli(['token', '--role', 'agent', '--sub', 'a-1', '--ttl', '600'], { TICKETING_DATA_DIR: dataDir });
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
      const actor = await new HmacTokenVerifier(await loadOrCreateDevSecret(dataDir)).verify(result.stdout.trim());
      expect(actor).toMatchObject({ kind: 'agent', id: 'a-1', roles: ['agent'] });
    });

    it('refuses a --ttl beyond TICKETING_JWT_MAX_LIFETIME (a 100-year token), and a customer token with staff roles', async () => {
      const dataDir = await newDataDir();
      const century = await runCli(['token', '--role', 'agent', '--sub', 'a-1', '--ttl', String(100 * 365 * 86_400)], { TICKETING_DATA_DIR: dataDir });
      expect(century).toMatchObject({ code: 2, stdout: '' });
      expect(century.stderr).toContain('exceeds the maximum token lifetime of 86400 seconds (TICKETING_JWT_MAX_LIFETIME)');
      const env = { TICKETING_DATA_DIR: dataDir, TICKETING_JWT_MAX_LIFETIME: '600' };
      expect((await runCli(['token', '--role', 'agent', '--sub', 'a-1', '--ttl', '601'], env)).code).toBe(2);
      const capped = await runCli(['token', '--role', 'agent', '--sub', 'a-1'], env);
      expect(capped.code).toBe(0);
      const { exp, iat } = JSON.parse(Buffer.from(capped.stdout.trim().split('.')[1]!, 'base64url').toString()) as { exp: number; iat: number };
      expect(exp - iat).toBe(600);
      const mixed = await runCli(['token', '--role', 'customer', '--role', 'agent', '--sub', 'u-1'], { TICKETING_DATA_DIR: dataDir });
      expect(mixed).toMatchObject({ code: 2, stdout: '' });
      expect(mixed.stderr).toContain('may not combine the customer role with staff roles');
    });

    it('refuses an unknown role, naming the allowed ones', async () => {
      const result = await runCli(['token', '--role', 'wizard', '--sub', 'a-1'], { TICKETING_DATA_DIR: await newDataDir() });
      expect(result.code).not.toBe(0);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('customer, agent, supervisor, auditor, ops, service, admin');
    });
  });

  it('stops at start-up on a bad configuration value, naming the variable and what is allowed', async () => {
    const result = await runCli(['start'], { TICKETING_DATA_DIR: await newDataDir(), TICKETING_HTTP_PORT: 'eighty', TICKETING_BUS: 'rabbitmq' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('TICKETING_HTTP_PORT');
    expect(result.stderr).toContain('TICKETING_BUS');
    expect(result.stderr).toMatch(/0.*65535/);
  });

  it('projections rebuild drops the read model and replays it from the event store', async () => {
    const dataDir = await newDataDir();
    const first = await TicketingHarness.start({ dataDir });
    const customer = await first.token('customer', 'cust-p');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { id } = (await first.request('POST', '/v1/tickets', { token: customer, body: ticket })).body as { id: string };
      await first.ticketQueued(id);
      ids.push(id);
    }
    await first.close();

    const readDb = new Database(join(dataDir, 'read.db'));
    readDb.prepare('DELETE FROM intake_tickets').run();
    readDb.close();

    const result = await runCli(['projections', 'rebuild', 'intake-ticket-list'], { TICKETING_DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([expect.objectContaining({ name: 'intake-ticket-list', lag: 0 })]);

    const second = await TicketingHarness.start({ dataDir });
    try {
      for (const id of ids) {
        const reply = await second.request('GET', `/v1/tickets/${id}`, { token: customer });
        expect(reply.status).toBe(200);
        expect(reply.body).toMatchObject({ id, queue: 'account-es', category: 'kyc_verification' });
      }
    } finally {
      await second.close();
    }
  });

  it('projections rebuild of an unknown projection fails and names the known ones', async () => {
    const result = await runCli(['projections', 'rebuild', 'nope'], { TICKETING_DATA_DIR: await newDataDir(), LOG_LEVEL: 'silent' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('intake-ticket-list');
  });

  it('dead-letters list shows an event routing could not handle, and replay reports it failing again', async () => {
    const dataDir = await newDataDir();
    const harness = await TicketingHarness.start({ dataDir, busRetry: { maxAttempts: 2, initialBackoffMs: 1, maxBackoffMs: 1 } });
    const ticketId = newId();
    // A TicketOpened no routing rule can place (an unknown channel), as a schema drift would produce.
    await harness.runtime.eventStore.append(
      `ticket-${ticketId}`,
      [
        {
          id: newId(),
          type: 'TicketOpened',
          schemaVersion: 1,
          data: { ticketId, customerId: 'c-x', channel: 'fax', subject: 's', body: 'b', language: 'en', openedAt: new Date().toISOString() },
          metadata: { ticketId, correlationId: 'corr-dl', causationId: 'corr-dl', actor: { kind: 'service', id: 'legacy' }, occurredAt: new Date().toISOString() },
        },
      ],
      { expectedRevision: 'no_stream' },
    );
    await waitUntil(async () => (await harness.runtime.bus.listDeadLetters({})).length === 1);
    await harness.close();

    const env = { TICKETING_DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
    const listed = await runCli(['dead-letters', 'list'], env);
    expect(listed.code).toBe(0);
    const [parked] = JSON.parse(listed.stdout) as Array<{ id: string; group: string; eventType: string; attempts: number; error: { message: string } }>;
    expect(parked).toMatchObject({ group: 'routing', eventType: 'TicketOpened', attempts: 2 });

    const replayed = await runCli(['dead-letters', 'replay', parked.id], env);
    expect(replayed.code).toBe(1);
    expect(JSON.parse(replayed.stdout)).toEqual([expect.objectContaining({ id: parked.id, outcome: 'failed' })]);
    const stillParked = JSON.parse((await runCli(['dead-letters', 'list', '--group', 'routing'], env)).stdout) as unknown[];
    expect(stillParked).toHaveLength(1);
  });
});

/** Polls a condition the bus reaches asynchronously; bounded, and never waits on a timer the code under test uses. */
async function waitUntil(condition: () => Promise<boolean>, attempts = 500): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('condition not reached');
}
