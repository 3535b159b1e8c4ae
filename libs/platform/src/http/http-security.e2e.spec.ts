import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, Get, Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp, loadConfig, loadOrCreateDevSecret, mintDevToken, Roles, type Role } from '../index';

@Controller('things')
class ThingsController {
  @Get()
  @Roles('agent')
  list() {
    return [];
  }
}

@Module({ controllers: [ThingsController] })
class ThingsModule {}

describe('CORS and protected ops routes, as configured (e2e)', () => {
  const apps: NestFastifyApplication[] = [];
  const dirs: string[] = [];

  async function start(env: NodeJS.ProcessEnv) {
    const dataDir = await mkdtemp(join(tmpdir(), 'http-security-e2e-'));
    dirs.push(dataDir);
    const app = await createHttpApp(ThingsModule, loadConfig({ TICKETING_DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env }));
    apps.push(app);
    await app.listen(0, '127.0.0.1');
    const secret = await loadOrCreateDevSecret(dataDir);
    return { base: await app.getUrl(), token: (roles: readonly Role[]) => mintDevToken({ sub: 'u-1', roles, secret }) };
  }

  afterAll(async () => {
    for (const app of apps) await app.close();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  describe('TICKETING_CORS_ORIGINS=https://desk.example.com,http://localhost:5173', () => {
    let base: string;
    let agent: string;
    beforeAll(async () => {
      const started = await start({ TICKETING_CORS_ORIGINS: 'https://desk.example.com,http://localhost:5173' });
      base = started.base;
      agent = await started.token(['agent']);
    });

    it('answers a preflight from a listed origin with the methods and headers a browser client needs', async () => {
      const preflight = await fetch(`${base}/v1/things`, {
        method: 'OPTIONS',
        headers: {
          origin: 'http://localhost:5173',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,idempotency-key,content-type,last-event-id',
        },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
      const allowed = (preflight.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/, */);
      expect(allowed).toEqual(expect.arrayContaining(['authorization', 'idempotency-key', 'content-type', 'last-event-id']));
      expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    });

    it('lets a listed origin read the response and the headers it needs (Retry-After, RateLimit-*, Location)', async () => {
      const response = await fetch(`${base}/v1/things`, { headers: { origin: 'https://desk.example.com', authorization: `Bearer ${agent}` } });
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBe('https://desk.example.com');
      const exposed = (response.headers.get('access-control-expose-headers') ?? '').toLowerCase().split(/, */);
      expect(exposed).toEqual(expect.arrayContaining(['retry-after', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'location']));
    });

    it('gives an origin that is not listed no CORS headers', async () => {
      const response = await fetch(`${base}/v1/things`, { headers: { origin: 'https://evil.example', authorization: `Bearer ${agent}` } });
      expect(response.headers.has('access-control-allow-origin')).toBe(false);
    });
  });

  it('TICKETING_CORS_ORIGINS=* allows any origin', async () => {
    const { base } = await start({ TICKETING_CORS_ORIGINS: '*' });
    const response = await fetch(`${base}/health/live`, { headers: { origin: 'https://anywhere.example' } });
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
  });

  describe('TICKETING_PROTECT_OPS_ROUTES=true', () => {
    let base: string;
    let token: (roles: readonly Role[]) => Promise<string>;
    beforeAll(async () => ({ base, token } = await start({ TICKETING_PROTECT_OPS_ROUTES: 'true' })));

    it.each(['/metrics', '/docs', '/docs-json'])('%s needs a token: 401 problem without one, 403 problem for a role other than ops or admin', async (path) => {
      const anonymous = await fetch(`${base}${path}`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await anonymous.json()).toMatchObject({ status: 401 });
      const customer = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${await token(['agent'])}` } });
      expect(customer.status).toBe(403);
      expect(await customer.json()).toMatchObject({ status: 403, detail: expect.stringContaining('ops, admin') });
    });

    it.each([['ops'], ['admin']] as const)('%s reads /metrics and /docs', async (role) => {
      const authorization = `Bearer ${await token([role])}`;
      const metrics = await fetch(`${base}/metrics`, { headers: { authorization } });
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain('process_cpu_user_seconds_total');
      const docs = await fetch(`${base}/docs`, { headers: { authorization } });
      expect(docs.status).toBe(200);
      expect(docs.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await docs.text()).toContain('swagger');
    });

    it('leaves the health probes and the API to their own rules', async () => {
      expect((await fetch(`${base}/health/live`)).status).toBe(200);
      expect((await fetch(`${base}/v1/things`, { headers: { authorization: `Bearer ${await token(['agent'])}` } })).status).toBe(200);
    });
  });

  it('leaves /metrics and /docs open by default (embedded and development use)', async () => {
    const { base } = await start({});
    for (const path of ['/metrics', '/docs']) {
      const response = await fetch(`${base}${path}`);
      expect(response.status).toBe(200);
      await response.text();
    }
  });
});
