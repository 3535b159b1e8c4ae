import type { AuthenticatedActor } from './authenticated-actor';

/** Verifies a bearer token; rejects with UnauthorizedError (bad token) or ServiceUnavailableError (keys unreachable). */
export interface TokenVerifier {
  verify(token: string): Promise<AuthenticatedActor>;
  /**
   * Rejects, saying why, while no token could be verified (the identity provider's keys cannot be
   * fetched); readiness asks it. Absent where keys are local.
   */
  assertKeysAvailable?(): Promise<void>;
}

/** DI token for the TokenVerifier port. */
export const TOKEN_VERIFIER = Symbol('TokenVerifier');
