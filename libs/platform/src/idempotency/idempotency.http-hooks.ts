import { applyDecorators } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiHeader } from '@nestjs/swagger';
import type { Clock } from '@ticketing/kernel';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authenticateBearer } from '../auth/bearer';
import type { TokenVerifier } from '../auth/token-verifier.port';
import { sendProblem } from '../problems/problem-details.filter';
import { assertIdempotencyKey, IDEMPOTENCY_HEADER, idempotencyScopeOf, refusalOf } from './idempotency.rules';
import { fingerprintOf, type IdempotencyStore } from './idempotency.store';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set by `@Idempotent()`. */
    ticketingIdempotent?: boolean;
  }
}

/**
 * Marks an HTTP write route for `Idempotency-Key`: the same key with the same request gets the first
 * response again (status and body), with another request a 422, while the first still runs a 409.
 */
export const Idempotent = (): MethodDecorator =>
  applyDecorators(
    RouteConfig({ ticketingIdempotent: true }),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description: 'Same key + same body → the first response again; another body → 422. A key lasts 24 h from its first request (TICKETING_IDEMPOTENCY_KEY_RETENTION_HOURS)',
      schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
    }),
  );

export type IdempotencyHookDependencies = Readonly<{ store: IdempotencyStore; clock: Clock; verifier: TokenVerifier }>;

/** A first response as stored under its key. */
type StoredResponse = Readonly<{ status: number; contentType: string; payload: string }>;

const isStoredResponse = (value: unknown): value is StoredResponse =>
  typeof value === 'object' && value !== null && typeof (value as StoredResponse).status === 'number' && typeof (value as StoredResponse).payload === 'string';

type Reservation = Readonly<{ scope: string; key: string }>;

/**
 * Idempotency-Key on the routes marked `@Idempotent()`, as Fastify hooks rather than a Nest
 * interceptor: a request without a key pays nothing, where any interceptor costs every request
 * Nest's async-context binding and an rxjs pipeline (about a tenth of an opened ticket's time).
 *
 * Keys are per caller, so the hook authenticates the bearer token itself (the token verifier
 * remembers verdicts, so the guard's check after it is cheap); without a valid token it stands
 * aside and the guard answers 401. A reservation is completed with the response when it is a 2xx
 * and released otherwise, so a corrected retry may reuse the key.
 */
export function enforceIdempotencyKeys(fastify: FastifyInstance, dependencies: () => IdempotencyHookDependencies): void {
  const reservations = new WeakMap<FastifyRequest, Reservation>();

  fastify.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers[IDEMPOTENCY_HEADER];
    if (header === undefined || request.routeOptions.config.ticketingIdempotent !== true) return;
    const { store, clock, verifier } = dependencies();
    const actor = await authenticateBearer(request.headers.authorization, verifier).catch(() => undefined);
    if (actor === undefined) return;
    const key = Array.isArray(header) ? header[0] : header;
    try {
      assertIdempotencyKey(key);
    } catch (error) {
      sendProblem(request, reply, error);
      return reply;
    }
    const scope = idempotencyScopeOf(actor);
    // The concrete URL, not the route pattern: the same key on another ticket is another request.
    const fingerprint = fingerprintOf(request.method, request.url, request.body);
    const reservation = await store.reserve({ scope, key, fingerprint, now: clock.now() });
    if (reservation.kind === 'new') {
      reservations.set(request, { scope, key });
      return;
    }
    if (reservation.kind === 'replay') {
      const stored = reservation.body;
      // Rows written before responses were stored whole hold the body alone.
      if (isStoredResponse(stored)) void reply.status(stored.status).header('content-type', stored.contentType).send(stored.payload);
      else void reply.status(200).send(stored);
      return reply;
    }
    sendProblem(request, reply, refusalOf(reservation, key));
    return reply;
  });

  fastify.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const reservation = reservations.get(request);
    if (reservation === undefined) return payload;
    reservations.delete(request);
    const { store } = dependencies();
    const { statusCode } = reply;
    const body = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : undefined;
    if (statusCode >= 200 && statusCode < 300 && body !== undefined) {
      const stored: StoredResponse = { status: statusCode, contentType: String(reply.getHeader('content-type') ?? 'application/json'), payload: body };
      await store.complete(reservation.scope, reservation.key, stored);
    } else {
      await store.release(reservation.scope, reservation.key);
    }
    return payload;
  });
}
