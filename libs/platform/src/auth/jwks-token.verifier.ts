import { SystemClock, type Clock } from '@ticketing/kernel';
import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import type { AuthenticatedActor } from './authenticated-actor';
import { verifyJwt } from './jwt-claims';
import type { TokenVerifier } from './token-verifier.port';

// Asymmetric only: accepting HS* here would let anyone sign with the public key as an HMAC secret.
const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** Production: tokens signed by the identity provider, keys fetched (and cached) from its JWKS URL. */
export class JwksTokenVerifier implements TokenVerifier {
  private readonly keys: JWTVerifyGetKey;

  constructor(
    jwksUrl: string | URL,
    private readonly options: Readonly<{ issuer?: string; audience?: string; clock?: Clock; maxLifetimeSeconds?: number }> = {},
  ) {
    this.keys = createRemoteJWKSet(new URL(jwksUrl));
  }

  verify(token: string): Promise<AuthenticatedActor> {
    const { issuer, audience, clock = new SystemClock(), maxLifetimeSeconds } = this.options;
    return verifyJwt(token, this.keys, { algorithms: ASYMMETRIC_ALGORITHMS, issuer, audience, clock, maxLifetimeSeconds });
  }
}
