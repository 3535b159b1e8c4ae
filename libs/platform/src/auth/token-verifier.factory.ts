import { assertNever, type Clock } from '@ticketing/kernel';
import type { TicketingConfig } from '../config/ticketing-config';
import { loadOrCreateDevSecret } from './dev-secret';
import { CachingTokenVerifier } from './caching-token.verifier';
import { HmacTokenVerifier } from './hmac-token.verifier';
import { JwksTokenVerifier } from './jwks-token.verifier';
import type { TokenVerifier } from './token-verifier.port';

/**
 * The verifier the configuration asks for: the identity provider's JWKS, or the dev secret (created on
 * first start); either remembers the tokens it accepted for up to a minute (CachingTokenVerifier).
 */
export async function createTokenVerifier(
  config: Pick<TicketingConfig, 'auth' | 'dataDir'>,
  clock?: Clock,
): Promise<TokenVerifier> {
  return new CachingTokenVerifier(await createSignatureVerifier(config, clock), { clock });
}

async function createSignatureVerifier(config: Pick<TicketingConfig, 'auth' | 'dataDir'>, clock?: Clock): Promise<TokenVerifier> {
  const { auth } = config;
  switch (auth.kind) {
    case 'jwks':
      return new JwksTokenVerifier(auth.jwksUrl, {
        issuer: auth.issuer,
        audience: auth.audience,
        clock,
        maxLifetimeSeconds: auth.maxLifetimeSeconds,
      });
    case 'dev-secret':
      return new HmacTokenVerifier(await loadOrCreateDevSecret(config.dataDir), {
        issuer: auth.issuer,
        audience: auth.audience,
        clock,
        maxLifetimeSeconds: auth.maxLifetimeSeconds,
      });
    default:
      return assertNever(auth);
  }
}
