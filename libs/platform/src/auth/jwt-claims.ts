import { UnauthorizedError, type Clock } from '@ticketing/kernel';
import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';
import { ServiceUnavailableError } from '@ticketing/kernel';
import { isRole, type AuthenticatedActor } from './authenticated-actor';

export type JwtVerification = Readonly<{
  algorithms: readonly string[];
  issuer?: string;
  audience?: string;
  clock: Clock;
}>;

/** Shared by both verifiers: signature, expiry, issuer/audience, then the actor from `sub` and `roles`. */
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
  return actorFromClaims(payload);
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
