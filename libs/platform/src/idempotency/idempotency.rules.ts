import { ConflictError, UnprocessableError, ValidationError } from '@ticketing/kernel';
import type { AuthenticatedActor } from '../auth/authenticated-actor';

/** The HTTP header and the gRPC metadata key. */
export const IDEMPOTENCY_HEADER = 'idempotency-key';
const KEY = /^[\x21-\x7e]{1,255}$/;

/** Rejects a key that is not 1 to 255 visible ASCII characters. */
export function assertIdempotencyKey(key: string): void {
  if (!KEY.test(key)) {
    throw new ValidationError('Invalid Idempotency-Key (idempotency-key): 1 to 255 visible ASCII characters', [
      { field: 'Idempotency-Key', message: '1 to 255 visible ASCII characters' },
    ]);
  }
}

/** The error for a reservation that cannot go ahead: another request under the key, or the first one still running. */
export function refusalOf(reservation: Readonly<{ kind: 'mismatch' | 'in_progress' | 'erased' }>, key: string): Error {
  if (reservation.kind === 'mismatch') return new UnprocessableError('This Idempotency-Key was used with a different request', { idempotencyKey: key });
  if (reservation.kind === 'erased') {
    return new ConflictError('The request with this Idempotency-Key was carried out; its response held personal data since erased, so it cannot be replayed', { idempotencyKey: key });
  }
  return new ConflictError('A request with this Idempotency-Key is still being processed; retry shortly', { idempotencyKey: key });
}

/** Keys are per caller: two callers can neither collide nor read each other's answers. */
export const idempotencyScopeOf = (actor: AuthenticatedActor | undefined): string => (actor ? `${actor.kind}:${actor.id}` : 'anonymous');
