import { UnauthorizedError, type Clock } from '@ticketing/kernel';
import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';
import { ServiceUnavailableError } from '@ticketing/kernel';
import { isRole, type AuthenticatedActor } from './authenticated-actor';

/** Longest token lifetime accepted unless configured (TICKETING_JWT_MAX_LIFETIME): 24 h. */
export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 86_400;

export type JwtVerification = Readonly<{
  algorithms: readonly string[];
  issuer?: string;
  audience?: string;
  clock: Clock;
  /** Longest accepted `exp - iat` (or `exp - now` without `iat`); default DEFAULT_MAX_TOKEN_LIFETIME_SECONDS. */
  maxLifetimeSeconds?: number;
}>;

/** Shared by both verifiers: signature, expiry, lifetime, issuer/audience, then the actor from `sub` and `roles`. */
export async function verifyJwt(
  token: string,
  key: Uint8Array | JWTVerifyGetKey,
  verification: JwtVerification,
): Promise<AuthenticatedActor> {
  const options: JWTVerifyOptions = {
    algorithms: [...verification.algorithms],
    requiredClaims: ['exp', 'sub'],
    currentDate: verification.clock.now(),
    ...(verification.issuer !== undefined && { issuer: verification.issuer }),
    ...(verification.audience !== undefined && { audience: verification.audience }),
  };
  let payload: JWTPayload;
  try {
    // Two overloads (secret vs key resolver); the union is not assignable to either on its own.
    payload =
      key instanceof Uint8Array
        ? (await jwtVerify(token, key, options)).payload
        : (await jwtVerify(token, key, options)).payload;
  } catch (error) {
    throw translateJoseError(error);
  }
  assertLifetime(payload, verification.maxLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS, verification.clock);
  return actorFromClaims(payload);
}

// A stolen long-lived token works until it expires; this caps the damage whoever issued it.
function assertLifetime(payload: JWTPayload, maxSeconds: number, clock: Clock): void {
  const exp = payload.exp ?? 0;
  const from = typeof payload.iat === 'number' ? payload.iat : clock.now().getTime() / 1000;
  if (exp - from > maxSeconds) {
    throw new UnauthorizedError(`The token lifetime exceeds the maximum of ${maxSeconds} seconds (TICKETING_JWT_MAX_LIFETIME).`);
  }
}

/** The actor a verified claim set describes. */
export function actorFromClaims(payload: JWTPayload): AuthenticatedActor {
  const sub = payload.sub;
  if (typeof sub !== 'string' || sub.trim() === '') throw new UnauthorizedError('The token has no subject.');
  const claimed = payload['roles'];
  // An identity provider may issue roles this service does not know; they grant nothing here.
  const roles = Array.isArray(claimed) ? [...new Set(claimed.filter(isRole))] : [];
  const [primary] = roles;
  if (primary === undefined) throw new UnauthorizedError('The token carries no known role.');
  // Checks ask either "is the actor a customer" or "does it hold a staff role": a token holding
  // both would be answered differently by each, so it is no token at all.
  if (roles.includes('customer') && roles.length > 1) {
    throw new UnauthorizedError('The token is refused: a token may not combine the customer role with staff roles.');
  }
  return { kind: primary, id: sub, sub, roles };
}

// Failures to obtain the keys (IdP down, bad JWKS document) are ours, not the caller's token's.
const KEY_SOURCE_FAILURES = new Set(['ERR_JWKS_TIMEOUT', 'ERR_JWKS_INVALID', 'ERR_JOSE_GENERIC']);

function translateJoseError(error: unknown): Error {
  if (error instanceof errors.JWTExpired) return new UnauthorizedError('The token has expired.');
  if (!(error instanceof errors.JOSEError) || KEY_SOURCE_FAILURES.has(error.code)) {
    return new ServiceUnavailableError('Token signing keys are unavailable; retry later.');
  }
  return new UnauthorizedError('The token is invalid.');
}
