import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { retryAfterSecondsOf, TooManyRequestsError, type Actor } from '@ticketing/kernel';
import type { RateLimitsConfig, RatePolicy } from '../config/ticketing-config';

/** What a request does, for its budget: streams opened count apart from other reads. */
export type RateClass = 'read' | 'write' | 'stream';

/** The named budgets, as `RateLimit-Policy` names them. */
export type Budget = 'customer-writes' | 'staff-writes' | 'reads' | 'streams' | 'anonymous';

/** The outcome of counting one request against its budget. */
export type RateDecision = Readonly<{
  allowed: boolean;
  budget: Budget;
  policy: RatePolicy;
  remaining: number;
  /** Until the window ends and the budget is full again. */
  resetMs: number;
}>;

/** The key of an actor's budgets and stream slots. */
export const actorKeyOf = (actor: Pick<Actor, 'kind' | 'id'>): string => `${actor.kind}:${actor.id}`;

/**
 * The request budgets of this process (TICKETING_RATE_LIMIT_*): per actor by role and rate class,
 * per client IP without a valid token. In memory, so every replica counts on its own.
 * rate-limiter-flexible reads `Date.now()` itself, so windows run on wall-clock time, not the Clock.
 */
export class RateLimits {
  private readonly limiters: ReadonlyMap<Budget, Readonly<{ limiter: RateLimiterMemory; policy: RatePolicy }>>;

  constructor(private readonly config: RateLimitsConfig) {
    const policies: Record<Budget, RatePolicy> = {
      'customer-writes': config.customerWrites,
      'staff-writes': config.staffWrites,
      reads: config.reads,
      streams: config.streams,
      anonymous: config.anonymous,
    };
    this.limiters = new Map(
      Object.entries(policies).map(([budget, policy]) => [
        budget as Budget,
        { policy, limiter: new RateLimiterMemory({ keyPrefix: budget, points: policy.points, duration: policy.windowSeconds }) },
      ]),
    );
  }

  get enabled(): boolean {
    return this.config.enabled;
  }

  /** The budget a request draws on: the actor's for its role and class, else its client IP's. */
  budgetOf(rateClass: RateClass, actor: Pick<Actor, 'kind'> | undefined): Budget {
    if (actor === undefined) return 'anonymous';
    if (rateClass === 'stream') return 'streams';
    if (rateClass === 'read') return 'reads';
    return actor.kind === 'customer' ? 'customer-writes' : 'staff-writes';
  }

  /** Counts one request of `actor` (or, without one, of `clientIp`). */
  async consume(rateClass: RateClass, actor: Pick<Actor, 'kind' | 'id'> | undefined, clientIp: string): Promise<RateDecision> {
    const budget = this.budgetOf(rateClass, actor);
    const { limiter, policy } = this.limiters.get(budget)!;
    const key = actor === undefined ? clientIp : actorKeyOf(actor);
    const decide = (allowed: boolean, result: RateLimiterRes): RateDecision => ({
      allowed,
      budget,
      policy,
      remaining: result.remainingPoints,
      resetMs: Math.max(0, result.msBeforeNext),
    });
    try {
      return decide(true, await limiter.consume(key));
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return decide(false, rejection);
      throw rejection;
    }
  }
}

/**
 * IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers): the policy (quota `q` per
 * window `w` seconds) and what is left of it (`r` requests, `t` seconds until the window resets).
 */
export function rateLimitHeaders(decision: RateDecision): Readonly<Record<string, string>> {
  return {
    'ratelimit-policy': `"${decision.budget}";q=${decision.policy.points};w=${decision.policy.windowSeconds}`,
    ratelimit: `"${decision.budget}";r=${decision.remaining};t=${Math.ceil(decision.resetMs / 1000)}`,
  };
}

/** The 429 / RESOURCE_EXHAUSTED for a refused request. */
export function rateLimitExceeded(decision: RateDecision): TooManyRequestsError {
  const { budget, policy, resetMs } = decision;
  return new TooManyRequestsError(
    `Rate limit "${budget}" reached (${policy.points} requests per ${policy.windowSeconds} s): retry in ${retryAfterSecondsOf(resetMs)} s.`,
    resetMs,
    { budget, limit: policy.points, windowSeconds: policy.windowSeconds },
  );
}
