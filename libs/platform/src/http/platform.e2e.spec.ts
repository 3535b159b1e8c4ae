import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Body, Controller, Get, HttpCode, Module, Post, type OnModuleInit } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ManualClock, newId, NotFoundError } from '@ticketing/kernel';
import { IsInt, IsString, MaxLength, Min, MinLength } from 'class-validator';
import {
  CorrelationContext,
  createHttpApp,
  CurrentActor,
  loadConfig,
  loadOrCreateDevSecret,
  mintDevToken,
  Operation,
  PlatformMetrics,
  ReadinessRegistry,
  Roles,
  type AuthenticatedActor,
  type Role,
} from '../index';

class CreateNoteDto {
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  subject!: string;

  @IsInt()
  @Min(1)
  priority!: number;
}

/** What the sample controller saw; bad input must never get here. */
const calls: Array<{ dto: CreateNoteDto; actor: AuthenticatedActor; correlationId?: string; afterAwait?: string }> = [];
let eventStoreUp = true;

@Controller('notes')
class NotesController {
  @Post()
  @HttpCode(201)
  @Roles('agent', 'supervisor')
  @Operation('createNote', { summary: 'Create a note' })
  async create(@Body() dto: CreateNoteDto, @CurrentActor() actor: AuthenticatedActor) {
    const correlationId = CorrelationContext.currentCorrelationId();
    await new Promise((resolve) => setImmediate(resolve));
    const call = { dto, actor, correlationId, afterAwait: CorrelationContext.currentCorrelationId() };
    calls.push(call);
    return { id: 'n-1', isDto: dto instanceof CreateNoteDto, ...call };
  }

  @Get('missing')
  @Operation('getMissingNote', { summary: 'Always 404' })
  missing(): never {
    throw new NotFoundError('Ticket t-404 does not exist.');
  }

  @Get('boom')
  @Operation('getBrokenNote', { summary: 'Always 500' })
  boom(): never {
    throw new Error('connection string postgres://admin:hunter2@db failed');
  }
}

@Module({ controllers: [NotesController] })
class SampleModule implements OnModuleInit {
  constructor(private readonly readiness: ReadinessRegistry) {}

  onModuleInit(): void {
    this.readiness.register({
      name: 'event-store',
      check: async () => {
        if (!eventStoreUp) throw new Error('database is locked');
      },
    });
  }
}

describe('platform over real HTTP', () => {
  const clock = new ManualClock('2026-03-01T12:00:00Z');
  const logLines: string[] = [];
  let dataDir: string;
  let app: NestFastifyApplication;
  let base: string;
  let secret: Uint8Array;

  const token = (roles: readonly Role[], overrides: Partial<Parameters<typeof mintDevToken>[0]> = {}) =>
    mintDevToken({ sub: 'a-1', roles, secret, now: clock.now(), ...overrides });

  const post = async (body: string, headers: Record<string, string> = {}) =>
    fetch(`${base}/v1/notes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await token(['agent'])}`, ...headers },
      body,
    });

  const logs = () => logLines.map((line) => JSON.parse(line) as Record<string, unknown>);

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'platform-e2e-'));
    const config = loadConfig({ TICKETING_DATA_DIR: dataDir, TICKETING_HTTP_BODY_LIMIT: '1024', LOG_LEVEL: 'debug' });
    app = await createHttpApp(SampleModule, config, {
      clock,
      logDestination: { write: (line: string) => void logLines.push(line) },
    });
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
    secret = await loadOrCreateDevSecret(dataDir);
  });

  afterAll(async () => {
    if (process.env['DUMP_LOGS']) console.log(logLines.join(''));
    await app?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  beforeEach(() => {
    calls.length = 0;
    eventStoreUp = true;
  });

  async function expectProblem(response: Response, status: number, type: string) {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ type: `https://ticketing.dev/problems/${type}`, status });
    expect(typeof body['title']).toBe('string');
    expect(typeof body['detail']).toBe('string');
    expect(response.headers.get('x-correlation-id')).toBeTruthy();
    expect(body['correlationId']).toBe(response.headers.get('x-correlation-id'));
    return body;
  }

  describe('accepted request', () => {
    it('creates with 201, hands the handler a DTO instance and the actor, inside the request correlation id', async () => {
      const response = await post(JSON.stringify({ subject: 'Withdrawal stuck', priority: 2 }), {
        'x-correlation-id': 'corr-123',
      });
      expect(response.status).toBe(201);
      expect(response.headers.get('x-correlation-id')).toBe('corr-123');
      const body = await response.json();
      expect(body).toMatchObject({
        isDto: true,
        actor: { kind: 'agent', id: 'a-1', sub: 'a-1', roles: ['agent'] },
        correlationId: 'corr-123',
        afterAwait: 'corr-123',
      });
      expect(calls).toHaveLength(1);
    });

    it('generates a UUIDv7 correlation id when none or an unsafe one is sent', async () => {
      const headers: Array<Record<string, string>> = [{}, { 'x-correlation-id': 'bad id\twith spaces' }];
      for (const header of headers) {
        const response = await post(JSON.stringify({ subject: 's', priority: 1 }), header);
        expect(response.status).toBe(201);
        expect(response.headers.get('x-correlation-id')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
      }
    });

    it('logs JSON lines carrying the correlation id, with the bearer token redacted', async () => {
      const correlationId = newId();
      const bearer = await token(['agent']);
      const response = await post(JSON.stringify({ subject: 's', priority: 1 }), {
        'x-correlation-id': correlationId,
        authorization: `Bearer ${bearer}`,
      });
      expect(response.status).toBe(201);
      const completed = logs().find((line) => line['correlationId'] === correlationId && line['res'] !== undefined);
      expect(completed).toBeDefined();
      const req = completed!['req'] as { headers: Record<string, string> };
      expect(req.headers['authorization']).toBe('[redacted]');
      expect(logLines.join('\n')).not.toContain(bearer.split('.')[2]);
    });
  });

  describe('security headers on every response', () => {
    it.each([
      ['an API response', '/v1/notes/missing', 404],
      ['an unknown route', '/v1/nope', 404],
      ['a probe', '/health/live', 200],
    ])('%s carries nosniff, no-store and helmet defaults', async (_name, path, status) => {
      const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${await token(['agent'])}` } });
      expect(response.status).toBe(status);
      expect(Object.fromEntries(response.headers)).toMatchObject({
        'x-content-type-options': 'nosniff',
        'cache-control': expect.stringContaining('no-store'),
        'x-frame-options': 'SAMEORIGIN',
        'referrer-policy': 'no-referrer',
        'strict-transport-security': expect.stringContaining('max-age='),
        'cross-origin-opener-policy': 'same-origin',
        'content-security-policy': expect.stringContaining("frame-ancestors 'none'"),
      });
      expect(response.headers.has('x-powered-by')).toBe(false);
    });

    it('sends no CORS headers while TICKETING_CORS_ORIGINS is unset', async () => {
      const response = await fetch(`${base}/v1/notes/missing`, { headers: { origin: 'https://evil.example' } });
      expect(response.headers.has('access-control-allow-origin')).toBe(false);
      const preflight = await fetch(`${base}/v1/notes`, {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      });
      expect(preflight.headers.has('access-control-allow-origin')).toBe(false);
    });

    it('answers request headers larger than the server accepts with a 431 problem', async () => {
      const response = await fetch(`${base}/v1/notes/missing`, { headers: { 'x-padding': 'a'.repeat(64 * 1024) } });
      expect(response.status).toBe(431);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await response.json()).toEqual({
        type: 'https://ticketing.dev/problems/headers-too-large',
        title: 'Request headers too large',
        status: 431,
        detail: expect.stringContaining('request headers are larger'),
      });
    });
  });

  describe('tokens in query strings never reach the log', () => {
    it.each([
      '/v1/notes/missing?access_token=SECRET-A&view=full',
      '/v1/nope?token=SECRET-A&Authorization=Bearer%20SECRET-B&view=full',
      '/v1/notes/missing?view=full&api_key=SECRET-A&client_secret=SECRET-B',
    ])('%s: every logged URL has the credentials redacted and the rest kept', async (path) => {
      const correlationId = newId();
      const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${await token(['agent'])}`, 'x-correlation-id': correlationId } });
      expect(response.status).toBe(404);
      expect(logLines.join('\n')).not.toMatch(/SECRET-/);
      const line = logs().find((logged) => logged['correlationId'] === correlationId && logged['req'] !== undefined);
      const { url } = line!['req'] as { url: string };
      expect(url).toContain('=[redacted]');
      expect(url).toContain('view=full');
    });
  });

  describe('bad input gets a 4xx problem and never reaches the handler', () => {
    afterEach(() => expect(calls).toEqual([]));

    it('malformed JSON → 400 bad-request', async () => {
      await expectProblem(await post('{"subject": "x", '), 400, 'bad-request');
    });

    it('unknown field → 400 validation naming it', async () => {
      const body = await expectProblem(await post(JSON.stringify({ subject: 's', priority: 1, admin: true })), 400, 'validation');
      expect(body['errors']).toEqual([{ field: 'admin', message: 'property admin should not exist' }]);
    });

    it('missing field → 400 validation naming it', async () => {
      const body = await expectProblem(await post(JSON.stringify({ subject: 's' })), 400, 'validation');
      expect(body['errors']).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'priority' })]));
    });

    it('wrong type → 400 validation naming it', async () => {
      const body = await expectProblem(await post(JSON.stringify({ subject: 's', priority: '1' })), 400, 'validation');
      expect(body['errors']).toContainEqual({ field: 'priority', message: 'priority must be an integer number' });
      expect((body['errors'] as Array<{ field: string }>).every((error) => error.field === 'priority')).toBe(true);
    });

    it('a JSON array, a bare string or no body → 400', async () => {
      const array = await expectProblem(await post('[]'), 400, 'validation');
      expect(array['errors']).toEqual([{ field: 'body', message: 'body must be a JSON object' }]);
      await expectProblem(await post('"x"'), 400, 'validation');
      // An empty body is no body: a route with a DTO refuses it as such, a body-less route accepts it.
      const empty = await expectProblem(await post(''), 400, 'validation');
      expect(empty['errors']).toEqual([{ field: 'body', message: 'body must be a JSON object' }]);
    });

    it('oversized body → 413 payload-too-large', async () => {
      await expectProblem(await post(JSON.stringify({ subject: 'x'.repeat(1500), priority: 1 })), 413, 'payload-too-large');
    });

    it('non-JSON media type → 415', async () => {
      await expectProblem(await post('subject=s', { 'content-type': 'text/plain' }), 415, 'unsupported-media-type');
    });

    it('no token → 401 with WWW-Authenticate: Bearer', async () => {
      const response = await post(JSON.stringify({ subject: 's', priority: 1 }), { authorization: '' });
      await expectProblem(response, 401, 'unauthorized');
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    });

    it('token signed with another secret → 401', async () => {
      const forged = await token(['agent'], { secret: new Uint8Array(32).fill(7) });
      await expectProblem(await post(JSON.stringify({ subject: 's', priority: 1 }), { authorization: `Bearer ${forged}` }), 401, 'unauthorized');
    });

    it('expired token → 401', async () => {
      const shortLived = await token(['agent'], { ttlSeconds: 60 });
      clock.advance(61_000);
      const body = await expectProblem(
        await post(JSON.stringify({ subject: 's', priority: 1 }), { authorization: `Bearer ${shortLived}` }),
        401,
        'unauthorized',
      );
      expect(body['detail']).toMatch(/expired/);
    });

    it('a role that may not do it → 403', async () => {
      const auditor = await token(['auditor']);
      const body = await expectProblem(
        await post(JSON.stringify({ subject: 's', priority: 1 }), { authorization: `Bearer ${auditor}` }),
        403,
        'forbidden',
      );
      expect(body['requiredRoles']).toEqual(['agent', 'supervisor']);
    });
  });

  describe('errors from handlers and routing', () => {
    const get = async (path: string, authorized = true) =>
      fetch(`${base}${path}`, { headers: authorized ? { authorization: `Bearer ${await token(['agent'])}` } : {} });

    it('unknown route → 404 problem', async () => {
      const body = await expectProblem(await get('/v1/nope'), 404, 'not-found');
      expect(body['instance']).toBe('/v1/nope');
    });

    it('a path with malformed percent-encoding → 400 problem with the correlation id, for any method', async () => {
      for (const path of ['/v1/notes/%ED%A0%80', '/v1/notes/%E0%A4%A', '/v1/nope/%ff']) {
        const response = await get(path);
        expect(response.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
        const body = await expectProblem(response, 400, 'bad-request');
        expect(body['correlationId']).toBe(response.headers.get('x-correlation-id'));
      }
      const post = await fetch(`${base}/v1/notes/%ED%A0%80`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      await expectProblem(post, 400, 'bad-request');
    });

    it('a domain NotFoundError → 404 with its message', async () => {
      const body = await expectProblem(await get('/v1/notes/missing'), 404, 'not-found');
      expect(body['detail']).toBe('Ticket t-404 does not exist.');
    });

    it('an unexpected error → 500 with a generic detail, logged with the correlation id', async () => {
      const response = await get('/v1/notes/boom');
      const body = await expectProblem(response, 500, 'internal');
      expect(JSON.stringify(body)).not.toMatch(/hunter2|stack|postgres/);
      const logged = logs().find((line) => line['msg'] === 'Unhandled error' && line['correlationId'] === body['correlationId']);
      expect(logged).toBeDefined();
    });
  });

  describe('health, metrics and docs are public and unprefixed', () => {
    it('/health/live is up', async () => {
      const response = await fetch(`${base}/health/live`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ status: 'ok' });
    });

    it('/health/ready is 200 while checks pass and 503 problem naming the failing check otherwise', async () => {
      const ok = await fetch(`${base}/health/ready`);
      expect(ok.status).toBe(200);
      expect(await ok.json()).toMatchObject({ status: 'ok', details: { 'event-store': { status: 'up' } } });

      eventStoreUp = false;
      const body = await expectProblem(await fetch(`${base}/health/ready`), 503, 'unavailable');
      expect(body['checks']).toEqual({ 'event-store': { status: 'down', message: 'database is locked' } });
    });

    it('/metrics exposes the latency histogram by route pattern after a request', async () => {
      await post(JSON.stringify({ subject: 's', priority: 1 }));
      await fetch(`${base}/v1/nope`);
      app.get(PlatformMetrics).eventsAppended('ticket-1', 2);
      const response = await fetch(`${base}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await response.text();
      expect(text).toMatch(/http_request_duration_seconds_count\{method="POST",route="\/v1\/notes",status="201"\} [1-9]/);
      expect(text).toMatch(/http_request_duration_seconds_count\{method="GET",route="unmatched",status="404"\} [1-9]/);
      expect(text).toContain('ticketing_events_appended_total{category="ticket"} 2');
      expect(text).toContain('process_cpu_user_seconds_total');
    });

    it('/docs serves the Swagger UI, whose scripts and styles the Content-Security-Policy allows', async () => {
      const response = await fetch(`${base}/docs`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      // Plain HTTP on a LAN address or behind TLS termination: assets must not be rewritten to https://.
      expect(csp).not.toContain('upgrade-insecure-requests');
      const html = await response.text();
      // Every script is a same-origin file (no inline code, which script-src 'self' would block) and loads.
      const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
      expect(scripts.length).toBeGreaterThan(0);
      for (const [, attributes, code] of scripts) {
        expect(code!.trim()).toBe('');
        const src = /src="([^"]+)"/.exec(attributes!)?.[1];
        expect(src).toMatch(/^\.?\/?[\w./-]+$/);
        const script = await fetch(new URL(src!, `${base}/docs/`));
        expect({ src, status: script.status, length: (await script.text()).length > 0 }).toEqual({ src, status: 200, length: true });
      }
    });

    it('/docs-json is the OpenAPI document with bearer auth and the /v1 routes', async () => {
      const response = await fetch(`${base}/docs-json`);
      expect(response.status).toBe(200);
      const document = (await response.json()) as { paths: Record<string, unknown>; components: { securitySchemes: object } };
      expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/v1/notes', '/health/ready']));
      expect(document.components.securitySchemes).toHaveProperty('bearer');
    });
  });
});
