import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateDevSecret, mintDevToken } from '@ticketing/platform';
import { SERVICE_NAMES } from '@ticketing/runtime';
import { buildCompiled, killServices, startService } from './support/compiled-service';

const dataDir = () => mkdtemp(join(tmpdir(), 'ticketing-entry-'));

describe('the compiled entry of the image: node bin/service.js <service>', () => {
  beforeAll(() => buildCompiled(), 180_000);
  afterAll(killServices);

  it.each(SERVICE_NAMES)('boots %s on the embedded default, is ready, and stops gracefully on SIGTERM', async (service) => {
    const dir = await dataDir();
    const { child, serving, exited } = startService([service], {
      TICKETING_DATA_DIR: dir,
      TICKETING_HTTP_PORT: '0',
      TICKETING_GRPC_PORT: '0',
      LOG_LEVEL: 'info',
    });
    const url = await serving;
    const ready = await fetch(`${url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await readdir(dir)).toEqual(expect.arrayContaining(['events.db-wal', 'read.db-wal']));
    child.kill('SIGTERM');
    const exit = await exited;
    // Nest re-raises the signal once HTTP, the bus and the stores are closed; an unhandled SIGTERM
    // would end the process the same way, so the proof of a graceful stop is the stores' state:
    // SQLite folds and removes a WAL file only when its last connection closes.
    expect(exit.signal).toBe('SIGTERM');
    expect((await readdir(dir)).filter((file) => file.endsWith('-wal'))).toEqual([]);
    // And the shutdown's last log line made it out before the process went.
    expect(exit.output).toContain('Stores closed after SIGTERM');
  });

  it.each([[[]], [['ticketing']], [['../ticketing']]])('refuses %j with exit 2 and the list of services', async (args) => {
    const exit = await startService(args, {}).exited;
    expect(exit.code).toBe(2);
    expect(exit.output).toContain(`usage: node bin/service.js <${SERVICE_NAMES.join('|')}>`);
  });

  it('stops with exit 1 and every bad variable named when the environment is invalid', async () => {
    const exit = await startService(['intake'], { TICKETING_HTTP_PORT: 'http', TICKETING_BUS: 'rabbitmq://mq' }).exited;
    expect(exit.code).toBe(1);
    expect(exit.output).toContain('TICKETING_HTTP_PORT="http"');
    expect(exit.output).toContain('TICKETING_BUS="rabbitmq://mq"');
  });

  describe('with the broker unreachable (TICKETING_BUS=kafka://127.0.0.1:1, real kafkajs)', () => {
    const env = async () => ({
      TICKETING_DATA_DIR: await dataDir(),
      TICKETING_HTTP_PORT: '0',
      TICKETING_GRPC_PORT: '0',
      TICKETING_BUS: 'kafka://127.0.0.1:1',
      LOG_LEVEL: 'info',
    });

    it('intake still takes tickets (the event store is the outbox) and stays ready; SIGTERM still stops it', async () => {
      const environment = await env();
      const { child, serving, exited } = startService(['intake'], environment);
      const url = await serving;
      const token = await mintDevToken({ sub: 'cust-1', roles: ['customer'], secret: await loadOrCreateDevSecret(environment.TICKETING_DATA_DIR) });
      const opened = await fetch(`${url}/v1/tickets`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ channel: 'chat', subject: 'Withdrawal stuck', body: 'Pending for 3 hours', language: 'en', chat: { sessionId: 's-1' } }),
      });
      expect(opened.status).toBe(201);
      expect((await fetch(`${url}/health/ready`)).status).toBe(200);
      child.kill('SIGTERM');
      expect((await exited).signal).toBe('SIGTERM');
    }, 60_000);

    it('routing is alive but not ready: its consumer group cannot join', async () => {
      const { child, serving, exited } = startService(['routing'], await env());
      const url = await serving;
      expect((await fetch(`${url}/health/live`)).status).toBe(200);
      const ready = await fetch(`${url}/health/ready`);
      expect(ready.status).toBe(503);
      expect(JSON.stringify(await ready.json())).toContain('a consumer group is not running');
      // Lag comes from what the consumers saw, not from an admin connection per scrape (that one
      // would fail after kafkajs's retries and leave the group out of the scrape).
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(/ticketing_consumer_lag_events\{group="routing"\} 0/);
      child.kill('SIGTERM');
      expect((await exited).signal).toBe('SIGTERM');
    }, 60_000);
  });

  it('stops with exit 1 and the reason when a dependency cannot be opened', async () => {
    const exit = await startService(['routing'], {
      TICKETING_DATA_DIR: await dataDir(),
      TICKETING_HTTP_PORT: '0',
      TICKETING_GRPC_PORT: '0',
      TICKETING_READ_STORE: 'postgres://ticketing@127.0.0.1:1/ticketing',
    }).exited;
    expect(exit.code).toBe(1);
    expect(exit.output).toMatch(/^routing: cannot start: /m);
  });
});
