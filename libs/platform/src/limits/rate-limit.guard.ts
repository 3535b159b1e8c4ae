import { Metadata } from '@grpc/grpc-js';
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { IS_PUBLIC } from '../auth/auth.decorators';
import { authenticateBearer } from '../auth/bearer';
import { TOKEN_VERIFIER, type TokenVerifier } from '../auth/token-verifier.port';
import { RATE_CLASS } from './rate-limit.decorators';
import { rateLimitExceeded, RateLimits, type RateClass } from './rate-limits';

/** `call.getPeer()` is `host:port` (IPv6 in brackets); the budget is the host's. */
export function peerHostOf(call: unknown): string {
  const peer = typeof (call as { getPeer?: unknown })?.getPeer === 'function' ? String((call as { getPeer: () => unknown }).getPeer()) : '';
  const host = /^\[([^\]]+)\]:\d+$/.exec(peer)?.[1] ?? /^([^:]+):\d+$/.exec(peer)?.[1] ?? peer;
  return host === '' ? 'unknown' : host;
}

/**
 * Global, registered before the AuthGuard: the HTTP limits (see `enforceRateLimits`) for gRPC
 * calls, which have no Fastify hooks. It authenticates the token itself so calls without a valid
 * one count against the peer's address before the AuthGuard refuses them; a refusal is
 * RESOURCE_EXHAUSTED with a `retry-after` trailer (seconds). RPCs are writes unless
 * `@RateLimitClass()` says otherwise.
 */
@Injectable()
export class GrpcRateLimitGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(TOKEN_VERIFIER) private readonly verifier: TokenVerifier,
    private readonly limits: RateLimits,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'rpc' || !this.limits.enabled) return true;
    const metadata: unknown = context.switchToRpc().getContext();
    if (!(metadata instanceof Metadata)) return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const rateClass = this.reflector.getAllAndOverride<RateClass | undefined>(RATE_CLASS, targets) ?? 'write';
    const authorization = metadata.get('authorization').map((value) => (typeof value === 'string' ? value : value.toString()));
    const actor = await authenticateBearer(authorization, this.verifier).catch(() => undefined);
    const decision = await this.limits.consume(rateClass, actor, peerHostOf(context.getArgByIndex(2)));
    if (!decision.allowed) throw rateLimitExceeded(decision);
    return true;
  }
}
