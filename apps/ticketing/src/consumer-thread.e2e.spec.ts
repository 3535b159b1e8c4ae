import { loadOrCreateDevSecret, mintDevToken } from '@ticketing/platform';
import { buildCompiledCli, killCliServers, startCliServer } from './test-support/compiled-cli';
import { newDataDir } from './test-support/ticketing.harness';

const ticket = { channel: 'chat', subject: 'Withdrawal pending', body: 'My USDT withdrawal is pending for two hours', language: 'en', chat: { sessionId: 's-1' } };

/** GETs `url` until `done` holds of the answer (at most 500 reads): the outcome of another thread, not a timer. */
async function readUntil<T>(url: string, token: string, done: (body: T) => boolean): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const body = (await (await fetch(url, { headers: { authorization: `Bearer ${token}` } })).json()) as T;
    if (done(body) || attempt === 500) return body;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function queueOf(baseUrl: string, id: string, token: string): Promise<string> {
  const { queue } = await readUntil<{ queue: string | null }>(`${baseUrl}/v1/tickets/${id}`, token, (ticket) => ticket.queue !== null);
  if (queue === null) throw new Error(`ticket ${id} was never queued`);
  return queue;
}

async function emergencyLaneDepth(baseUrl: string, token: string, expected: number): Promise<number> {
  const depthOf = (body: { queues: { queue: string; waiting: number }[] }) => body.queues.find((queue) => queue.queue === 'security-emergency')?.waiting ?? 0;
  return depthOf(await readUntil(`${baseUrl}/v1/routing/queues`, token, (body: { queues: { queue: string; waiting: number }[] }) => depthOf(body) >= expected));
}

describe('`ticketing start` runs the bus-only contexts on a consumer thread (compiled CLI in a child process)', () => {
  beforeAll(() => buildCompiledCli(), 180_000);
  afterAll(killCliServers);

  it('queues tickets from the thread, reports it in readiness and metrics, and stops it gracefully', async () => {
    const dataDir = await newDataDir();
    const server = await startCliServer({ TICKETING_DATA_DIR: dataDir, LOG_LEVEL: 'info' });
    const token = await mintDevToken({ sub: 'cust-thread', roles: ['customer'], secret: await loadOrCreateDevSecret(dataDir) });

    const ready = await fetch(`${server.baseUrl}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ details: { 'consumer-thread': { status: 'up' }, bus: { status: 'up' } } });

    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const opened = await fetch(`${server.baseUrl}/v1/tickets`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(ticket),
      });
      expect(opened.status).toBe(201);
      ids.push(((await opened.json()) as { id: string }).id);
    }
    for (const id of ids) expect(await queueOf(server.baseUrl, id, token)).toBe('security-emergency');
    // The routing board (an eventual projection) is kept on the consumer thread: its queue depths still arrive.
    const ops = await mintDevToken({ sub: 'ops-thread', roles: ['ops'], secret: await loadOrCreateDevSecret(dataDir) });
    expect(await emergencyLaneDepth(server.baseUrl, ops, ids.length)).toBe(ids.length);

    const metrics = await (await fetch(`${server.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/ticketing_consumer_lag_events\{[^}]*group="routing"[^}]*\} \d+/);

    server.child.kill('SIGTERM');
    const exit = await server.exited;
    expect(exit.signal).toBe('SIGTERM');
    // Both runtimes close their stores: the consumer thread's, then the main thread's after the signal.
    expect(exit.output.match(/"msg":"Stores closed"/g)).toHaveLength(1);
    expect(exit.output).toContain('Stores closed after SIGTERM');
  }, 120_000);
});
