import { UnauthorizedError } from '@ticketing/kernel';
import type { AuthenticatedActor } from './authenticated-actor';
import type { TokenVerifier } from './token-verifier.port';

const BEARER = /^Bearer[ \t]+([A-Za-z0-9\-._~+/]+=*)[ \t]*$/i;

/**
 * Authenticates an `Authorization` value (HTTP header, gRPC metadata, SSE request) as
 * `Bearer <jwt>`; rejects with UnauthorizedError when it is missing, malformed or not valid.
 */
export async function authenticateBearer(
  authorization: string | readonly string[] | undefined,
  verifier: TokenVerifier,
): Promise<AuthenticatedActor> {
  const value = Array.isArray(authorization) ? authorization[0] : authorization;
  if (typeof value !== 'string' || value.trim() === '') throw new UnauthorizedError('A bearer token is required.');
  const token = BEARER.exec(value)?.[1];
  if (token === undefined) throw new UnauthorizedError('The Authorization header must be "Bearer <token>".');
  return verifier.verify(token);
}
