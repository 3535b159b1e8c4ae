import { SystemClock, type Clock } from '@ticketing/kernel';
import { createRemoteJWKSet } from 'jose';
import type { AuthenticatedActor } from './authenticated-actor';
import { verifyJwt } from './jwt-claims';
import type { TokenVerifier } from './token-verifier.port';

// Asymmetric only: accepting HS* here would let anyone sign with the public key as an HMAC secret.
const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** Production: tokens signed by the identity provider, keys fetched (and cached) from its JWKS URL. */
export class JwksTokenVerifier implements TokenVerifier {
  private readonly keys: ReturnType<typeof createRemoteJWKSet>;
  private readonly url: URL;

  constructor(
    jwksUrl: string | URL,
    private readonly options: Readonly<{ issuer?: string; audience?: string; clock?: Clock; maxLifetimeSeconds?: number }> = {},
  ) {
    this.url = new URL(jwksUrl);
    this.keys = createRemoteJWKSet(this.url);
  }

  /**
   * Fetches the key set unless a fetch within its cache age (10 min) succeeded: a JWKS URL that is
   * wrong or down (e.g. the `idp.example.com` placeholder left in place) makes the service not
   * ready, instead of ready and refusing every token.
   */
  async assertKeysAvailable(): Promise<void> {
    if (this.keys.fresh) return;
    try {
      await this.keys.reload();
    } catch (error) {
      throw new Error(`the identity provider's keys (TICKETING_JWKS_URL ${this.url.href}) cannot be fetched: ${error instanceof Error ? error.message : String(error)}`);
    }
    if ((this.keys.jwks()?.keys.length ?? 0) === 0) throw new Error(`the identity provider's key set (TICKETING_JWKS_URL ${this.url.href}) holds no key`);
  }

  verify(token: string): Promise<AuthenticatedActor> {
    const { issuer, audience, clock = new SystemClock(), maxLifetimeSeconds } = this.options;
    return verifyJwt(token, this.keys, { algorithms: ASYMMETRIC_ALGORITHMS, issuer, audience, clock, maxLifetimeSeconds });
  }
}
