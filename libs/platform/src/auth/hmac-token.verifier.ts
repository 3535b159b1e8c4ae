import { SystemClock, type Clock } from '@ticketing/kernel';
import type { AuthenticatedActor } from './authenticated-actor';
import { verifyJwt } from './jwt-claims';
import type { TokenVerifier } from './token-verifier.port';

/** Embedded mode: HS256 tokens signed with the dev secret from the data dir. */
export class HmacTokenVerifier implements TokenVerifier {
  constructor(
    private readonly secret: Uint8Array,
    private readonly options: Readonly<{ issuer?: string; audience?: string; clock?: Clock; maxLifetimeSeconds?: number }> = {},
  ) {}

  verify(token: string): Promise<AuthenticatedActor> {
    const { issuer, audience, clock = new SystemClock(), maxLifetimeSeconds } = this.options;
    return verifyJwt(token, this.secret, { algorithms: ['HS256'], issuer, audience, clock, maxLifetimeSeconds });
  }
}
