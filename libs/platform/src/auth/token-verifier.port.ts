import type { AuthenticatedActor } from './authenticated-actor';

/** Verifies a bearer token; rejects with UnauthorizedError (bad token) or ServiceUnavailableError (keys unreachable). */
export interface TokenVerifier {
  verify(token: string): Promise<AuthenticatedActor>;
}

/** DI token for the TokenVerifier port. */
export const TOKEN_VERIFIER = Symbol('TokenVerifier');
