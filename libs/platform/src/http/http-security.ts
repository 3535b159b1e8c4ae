import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import fastifyCors from '@fastify/cors';
import helmet from 'helmet';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ForbiddenError } from '@ticketing/kernel';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasAnyRole, type Role } from '../auth/authenticated-actor';
import { authenticateBearer } from '../auth/bearer';
import type { TokenVerifier } from '../auth/token-verifier.port';
import type { TicketingConfig } from '../config/ticketing-config';
import { sendProblem } from '../problems/problem-details.filter';
import { isOpsRoute } from './ops-routes';
import { PROBLEM_TYPES } from '../problems/problem-types';

/** Request headers a browser client may send cross-origin. */
export const CORS_ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'Idempotency-Key', 'Last-Event-ID', 'X-Correlation-Id'];

/** Response headers a browser client may read cross-origin (rate limits, redirects, correlation). */
export const CORS_EXPOSED_HEADERS = [
  'Location',
  'Retry-After',
  'RateLimit',
  'RateLimit-Policy',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
  'X-Correlation-Id',
  'WWW-Authenticate',
];

/**
 * helmet's headers for this API, computed once: they are the same for every response (no CSP
 * nonces), while @fastify/helmet builds the whole middleware again for each request.
 */
function helmetHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: unknown) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        // Swagger UI styles itself inline and shows its validator badge as a data: image.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        scriptSrc: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        // Served over plain HTTP behind TLS termination or on a LAN address, /docs must not have its
        // assets rewritten to https:// (only localhost is exempt from the upgrade in browsers).
        upgradeInsecureRequests: null,
      },
    },
  })({} as IncomingMessage, response as unknown as ServerResponse, () => undefined);
  return headers;
}

/** Who may read /metrics and /docs when TICKETING_PROTECT_OPS_ROUTES is true. */
export const OPS_ROLES: readonly Role[] = ['ops', 'admin'];

/**
 * Security headers for every response: helmet's defaults (nosniff, frame and referrer
 * policies, a CSP that still lets the Swagger UI at /docs run), `Cache-Control: no-store` unless a
 * route set its own (responses carry personal data), and CORS only for TICKETING_CORS_ORIGINS.
 */
export async function registerSecurityHeaders(app: NestFastifyApplication, config: Pick<TicketingConfig, 'corsOrigins'>): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance() as FastifyInstance;
  const securityHeaders = helmetHeaders();
  fastify.addHook('onRequest', (_request, reply, done) => {
    void reply.headers(securityHeaders);
    done();
  });
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
    done(null, payload);
  });
  if (config.corsOrigins.length === 0) return;
  await app.register(fastifyCors, {
    origin: config.corsOrigins[0] === '*' ? '*' : [...config.corsOrigins],
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    maxAge: 600,
  });
}

/**
 * With TICKETING_PROTECT_OPS_ROUTES, /metrics and /docs (its JSON, YAML and assets too) answer only
 * a bearer token with an ops or admin role: 401 / 403 problem otherwise. A Fastify hook rather than
 * a guard, because Swagger's routes are Fastify's, not Nest's.
 */
export function protectOpsRoutes(fastify: FastifyInstance, verifier: () => TokenVerifier): void {
  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!isOpsRoute(request.url)) return;
    try {
      const actor = await authenticateBearer(request.headers.authorization, verifier());
      if (!hasAnyRole(actor, OPS_ROLES)) {
        throw new ForbiddenError(`This route requires one of the roles: ${OPS_ROLES.join(', ')}.`, { requiredRoles: OPS_ROLES });
      }
    } catch (error) {
      sendProblem(request, reply, error);
      return reply;
    }
  });
}

const CLIENT_ERRORS: Readonly<Record<string, number>> = { HPE_HEADER_OVERFLOW: 431, ERR_HTTP_REQUEST_TIMEOUT: 408 };

/**
 * Fastify `clientErrorHandler`: requests Node's parser refuses before any route (headers larger
 * than maxHeaderSize, a request timeout, malformed HTTP) are answered as problem+json like every
 * other error, then the connection is closed.
 */
export function problemClientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const status = CLIENT_ERRORS[error.code ?? ''] ?? 400;
  const problem =
    status === 431
      ? PROBLEM_TYPES.headers_too_large
      : status === 408
        ? { type: 'about:blank', title: STATUS_CODES[408] ?? 'Request Timeout', status: 408 }
        : PROBLEM_TYPES.bad_request;
  const detail =
    status === 431
      ? 'The request headers are larger than the server accepts; send a shorter token or fewer headers.'
      : status === 408
        ? 'The request was not received in time.'
        : 'The request is not valid HTTP.';
  const body = JSON.stringify({ type: problem.type, title: problem.title, status, detail });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
