import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { loggerOptions } from './logger.options';
import { logRequests } from './request-log.hooks';

describe('logRequests', () => {
  let app: FastifyInstance;
  let lines: Array<Record<string, unknown>>;
  let stalled: (() => void) | undefined;

  beforeEach(async () => {
    lines = [];
    stalled = undefined;
    const logger = pino(loggerOptions('info'), { write: (line: string) => void lines.push(JSON.parse(line)) });
    app = Fastify({ genReqId: () => 'corr-1' });
    logRequests(app, logger);
    app.post('/v1/tickets', async (_request, reply) => reply.status(201).header('set-cookie', 's=1').send({ id: 't-1' }));
    app.get('/v1/boom', async () => {
      throw new Error('boom');
    });
    app.get('/health/live', async () => ({ status: 'ok' }));
    app.get('/metrics', async () => 'metrics');
    app.get('/v1/slow', () => new Promise<void>((resolve) => (stalled = resolve)));
    await app.listen({ port: 0, host: '127.0.0.1' });
  });

  afterEach(async () => {
    stalled?.();
    await app.close();
  });

  it('writes one line per request with the correlation id, the request (credentials redacted), the status and the time taken', async () => {
    const response = await app.inject({ method: 'POST', url: '/v1/tickets', headers: { authorization: 'Bearer secret', accept: '*/*' }, payload: {} });
    expect(response.statusCode).toBe(201);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'info',
      msg: 'request completed',
      correlationId: 'corr-1',
      req: { method: 'POST', url: '/v1/tickets', headers: { authorization: '[redacted]', accept: '*/*' } },
      res: { statusCode: 201, headers: { 'set-cookie': '[redacted]' } },
      responseTime: expect.any(Number),
    });
    expect(JSON.stringify(lines)).not.toContain('secret');
  });

  it('logs client errors as warnings and server errors as errors', async () => {
    await app.inject({ method: 'GET', url: '/v1/nope' });
    await app.inject({ method: 'GET', url: '/v1/boom' });
    const requestLines = lines.filter((line) => line['req'] !== undefined);
    expect(requestLines).toEqual([
      expect.objectContaining({ level: 'warn', msg: 'request completed', res: expect.objectContaining({ statusCode: 404 }) }),
      expect.objectContaining({ level: 'error', msg: 'request errored', res: expect.objectContaining({ statusCode: 500 }) }),
    ]);
  });

  it('leaves probes and scrapes out', async () => {
    await app.inject({ method: 'GET', url: '/health/live' });
    await app.inject({ method: 'GET', url: '/metrics' });
    expect(lines).toEqual([]);
  });

  it('logs a request the client gave up on', async () => {
    const { port } = app.server.address() as AddressInfo;
    const client = httpRequest({ host: '127.0.0.1', port, path: '/v1/slow' });
    client.on('error', () => undefined);
    client.end();
    while (stalled === undefined) await new Promise((resolve) => setImmediate(resolve));
    client.destroy();
    while (!lines.some((line) => line['msg'] === 'request aborted')) await new Promise((resolve) => setImmediate(resolve));
    expect(lines.find((line) => line['msg'] === 'request aborted')).toMatchObject({ level: 'warn', correlationId: 'corr-1', req: { url: '/v1/slow' } });
  });
});
