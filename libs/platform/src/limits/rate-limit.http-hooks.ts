import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authenticateBearer } from '../auth/bearer';
import type { TokenVerifier } from '../auth/token-verifier.port';
import { isUnlimited } from '../http/ops-routes';
import { sendProblem } from '../problems/problem-details.filter';
import { rateLimitExceeded, rateLimitHeaders, type RateClass, type RateLimits } from './rate-limits';
import './rate-limit.decorators';

export type RateLimitHookDependencies = Readonly<{ limits: RateLimits; verifier: TokenVerifier }>;

const READ_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD']);


/**
 * Rate limits for HTTP as a Fastify `onRequest` hook rather than a Nest guard: it runs before the
 * body is read and parsed, and before the AuthGuard, whose 401 would otherwise stop a bad-token
 * flood from ever being counted against its client IP. It authenticates the bearer token itself
 * (the caching token verifier makes the guard's check after it cheap). Every limited answer,
 * success or not, carries the RateLimit-Policy and RateLimit fields; a refusal is a 429 problem
 * with Retry-After. CORS preflights are not counted.
 */
export function enforceRateLimits(fastify: FastifyInstance, dependencies: () => RateLimitHookDependencies): void {
  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method === 'OPTIONS' || isUnlimited(request.url)) return;
    const { limits, verifier } = dependencies();
    if (!limits.enabled) return;
    const rateClass: RateClass = request.routeOptions.config?.ticketingRateClass ?? (READ_METHODS.has(request.method) ? 'read' : 'write');
    const actor = await authenticateBearer(request.headers.authorization, verifier).catch(() => undefined);
    const decision = await limits.consume(rateClass, actor, request.ip);
    void reply.headers(rateLimitHeaders(decision));
    if (decision.allowed) return;
    sendProblem(request, reply, rateLimitExceeded(decision));
    return reply;
  });
}
