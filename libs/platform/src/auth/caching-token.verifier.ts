import { SystemClock, type Clock } from '@ticketing/kernel';
import { decodeJwt } from 'jose';
import type { AuthenticatedActor } from './authenticated-actor';
import type { TokenVerifier } from './token-verifier.port';

export type TokenCacheOptions = Readonly<{
  /** Longest a verdict is reused, default 60 s: bounds how long a key removed from the JWKS still vouches for its tokens. */
  maxAgeMs?: number;
  /** Most tokens remembered (least recently used dropped first), default 10,000. */
  capacity?: number;
  clock?: Clock;
}>;

type Verdict = Readonly<{ actor: AuthenticatedActor; until: number }>;

/**
 * Remembers successful verifications: a client sends the same bearer token with every request, and
 * checking its signature again each time costs more than the rest of authorization. A verdict is
 * reused until the token expires or `maxAgeMs` passes, whichever is first; failures are never cached.
 */
export class CachingTokenVerifier implements TokenVerifier {
  private readonly verdicts = new Map<string, Verdict>();
  private readonly maxAgeMs: number;
  private readonly capacity: number;
  private readonly clock: Clock;
  /** The inner verifier's, where it has one (JWKS): readiness asks it. */
  readonly assertKeysAvailable?: () => Promise<void>;

  constructor(
    private readonly inner: TokenVerifier,
    options: TokenCacheOptions = {},
  ) {
    this.assertKeysAvailable = inner.assertKeysAvailable?.bind(inner);
    this.maxAgeMs = options.maxAgeMs ?? 60_000;
    this.capacity = options.capacity ?? 10_000;
    this.clock = options.clock ?? new SystemClock();
  }

  async verify(token: string): Promise<AuthenticatedActor> {
    const now = this.clock.now().getTime();
    const cached = this.verdicts.get(token);
    if (cached !== undefined) {
      this.verdicts.delete(token);
      if (now < cached.until) {
        this.verdicts.set(token, cached);
        return cached.actor;
      }
    }
    const actor = await this.inner.verify(token);
    // The inner verifier required `exp`; decoding the verified token again only reads it.
    const expiresAt = (decodeJwt(token).exp ?? 0) * 1000;
    this.verdicts.set(token, { actor, until: Math.min(expiresAt, now + this.maxAgeMs) });
    if (this.verdicts.size > this.capacity) this.verdicts.delete(this.verdicts.keys().next().value as string);
    return actor;
  }
}
