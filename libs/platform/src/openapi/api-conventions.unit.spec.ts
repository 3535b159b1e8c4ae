import type { OpenAPIObject } from '@nestjs/swagger';
import { applyApiConventions } from './api-conventions';

type Operation = Record<string, unknown> & { responses: Record<string, { description?: string; content?: object; headers?: Record<string, unknown> }> };

const documentWith = (paths: Record<string, Record<string, Partial<Operation>>>): OpenAPIObject =>
  ({ openapi: '3.0.0', info: { title: 't', version: '1' }, paths: JSON.parse(JSON.stringify(paths)) as never, components: {} }) as OpenAPIObject;

const apply = (paths: Record<string, Record<string, Partial<Operation>>>) =>
  applyApiConventions(documentWith(paths), { isRateLimited: (path) => !path.startsWith('/health/') });

const operationOf = (document: OpenAPIObject, path: string, method: string) => (document.paths[path] as Record<string, Operation>)[method];

describe('applyApiConventions', () => {
  it('documents every problem an operation of this shape can answer, as problem+json with rate-limit headers', () => {
    const document = apply({
      '/v1/things/{id}/close': {
        post: { operationId: 'closeThing', parameters: [{ name: 'Idempotency-Key', in: 'header' }], responses: { '200': { description: 'ok' } }, 'x-roles': ['agent', 'admin'] },
      },
    });
    const close = operationOf(document, '/v1/things/{id}/close', 'post');
    expect(Object.keys(close.responses).sort()).toEqual(['200', '400', '401', '403', '404', '409', '413', '415', '422', '429', '500']);
    expect(close.responses['409'].content).toEqual({ 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDetails' } } });
    expect(Object.keys(close.responses['429'].headers!)).toEqual(expect.arrayContaining(['RateLimit', 'RateLimit-Policy', 'Retry-After']));
    expect(Object.keys(close.responses['200'].headers!)).toEqual(expect.arrayContaining(['RateLimit', 'RateLimit-Policy', 'X-Correlation-Id']));
    expect(Object.keys(close.responses['401'].headers!)).toContain('WWW-Authenticate');
    expect(close.description).toBe('Roles: agent, admin. Takes no request body: send none, an empty one or `{}`.');
    expect(document.components?.headers).toHaveProperty('Retry-After');
  });

  it('makes a public operation security-free, without 401/403, and without rate limits where none apply', () => {
    const document = apply({ '/health/live': { get: { operationId: 'getLiveness', 'x-public': true, responses: { '200': { description: 'ok' } } } } });
    const live = operationOf(document, '/health/live', 'get');
    expect(live.security).toEqual([]);
    expect(live).not.toHaveProperty('x-public');
    expect(Object.keys(live.responses).sort()).toEqual(['200', '500']);
    expect(Object.keys(live.responses['200'].headers!)).not.toContain('RateLimit');
  });

  it('refuses an operation without an AIP-style name, and a name used twice', () => {
    expect(() => apply({ '/v1/x': { get: { operationId: 'XController.list', responses: {} } } })).toThrow(/GET \/v1\/x \(XController.list\) has no operation name/);
    expect(() => apply({ '/v1/x': { get: { operationId: 'listX', responses: {} } }, '/v1/y': { get: { operationId: 'listX', responses: {} } } })).toThrow(/listX of GET \/v1\/y is also GET \/v1\/x/);
  });
});
