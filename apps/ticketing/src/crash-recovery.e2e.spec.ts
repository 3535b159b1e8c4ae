import { loadOrCreateDevSecret, mintDevToken } from '@ticketing/platform';
import { buildCompiledCli, killCliServers, startCliServer } from './test-support/compiled-cli';
import { newDataDir, TicketingHarness } from './test-support/ticketing.harness';

const ticket = { channel: 'web_form', subject: 'Deposit not credited', body: 'USDT on TRON, 2 hours ago', language: 'en', webForm: { formId: 'deposit-help' } };

describe('durability of the embedded default (compiled `ticketing start` in a child process)', () => {
  beforeAll(() => buildCompiledCli(), 180_000);
  afterAll(killCliServers);

  it('loses no acknowledged ticket when the process is killed mid-load, and queues them all after restart', async () => {
    const dataDir = await newDataDir();
    // One customer opens 300+ tickets as fast as it can: far past the default 60 writes/min.
    const { child, baseUrl, exited } = await startCliServer({ TICKETING_DATA_DIR: dataDir, LOG_LEVEL: 'info', TICKETING_RATE_LIMIT_CUSTOMER_WRITES: '1000000/min' });
    const token = await mintDevToken({ sub: 'cust-load', roles: ['customer'], secret: await loadOrCreateDevSecret(dataDir) });

    const acknowledged: string[] = [];
    let killed = false;
    const client = async () => {
      while (!killed) {
        try {
          const response = await fetch(`${baseUrl}/v1/tickets`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify(ticket),
          });
          if (response.status === 201) acknowledged.push(((await response.json()) as { id: string }).id);
          if (acknowledged.length >= 300 && !killed) {
            killed = true;
            child.kill('SIGKILL');
          }
        } catch {
          // Connections refused or reset once the server is gone: exactly what a crash looks like to clients.
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, client));
    expect((await exited).signal).toBe('SIGKILL');

    const restarted = await TicketingHarness.start({ dataDir });
    try {
      const agent = await restarted.token('agent', 'agent-1');
      for (const id of acknowledged) {
        const queued = await restarted.ticketQueued(id);
        expect(queued.data.ticketId).toBe(id);
      }
      const replies = await Promise.all(acknowledged.map((id) => restarted.request('GET', `/v1/tickets/${id}`, { token: agent })));
      expect(replies.map((reply) => reply.status)).toEqual(acknowledged.map(() => 200));
      expect(replies.every((reply) => (reply.body as { queue: string }).queue === 'funds-en')).toBe(true);
    } finally {
      await restarted.close();
    }
  }, 120_000);

  it('keeps tickets and queues across a graceful restart (SIGTERM)', async () => {
    const dataDir = await newDataDir();
    const first = await TicketingHarness.start({ dataDir });
    const customer = await first.token('customer', 'cust-r');
    const opened = await first.request('POST', '/v1/tickets', { token: customer, body: ticket });
    const { id } = opened.body as { id: string };
    await first.ticketQueued(id);
    await first.close();

    const server = await startCliServer({ TICKETING_DATA_DIR: dataDir, LOG_LEVEL: 'info' });
    expect((await fetch(`${server.baseUrl}/health/ready`)).status).toBe(200);
    const reply = await fetch(`${server.baseUrl}/v1/tickets/${id}`, { headers: { authorization: `Bearer ${customer}` } });
    expect(reply.status).toBe(200);
    expect(await reply.json()).toMatchObject({ id, queue: 'funds-en', category: 'deposit_missing', customerId: 'cust-r' });
    server.child.kill('SIGTERM');
    // Nest re-raises the signal once the HTTP server, the bus and the stores are closed.
    const exit = await server.exited;
    expect(exit.signal).toBe('SIGTERM');
    expect(exit.output).toContain('Stores closed');
  }, 120_000);
});
