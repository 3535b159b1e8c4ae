/** Stable codes of domain errors; the HTTP edge maps each to a status and a problem type. */
export type DomainErrorCode =
  | 'not_found'
  | 'illegal_state'
  | 'conflict'
  | 'validation'
  | 'forbidden'
  | 'unauthorized'
  | 'concurrency'
  | 'unprocessable'
  | 'unavailable'
  | 'too_many_requests';

/** Base of every typed error the domain and the infrastructure ports raise. */
export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;
  constructor(
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFoundError extends DomainError {
  readonly code = 'not_found' as const;
}

/** A command that the current state does not allow (e.g. resolving a closed ticket). */
export class IllegalStateError extends DomainError {
  readonly code = 'illegal_state' as const;
  constructor(
    readonly state: string,
    readonly command: string,
    message = `Cannot ${command} while ${state}`,
  ) {
    super(message, { state, command });
  }
}

/** A request that clashes with existing data (e.g. a second ticket with the same id). */
export class ConflictError extends DomainError {
  readonly code = 'conflict' as const;
}

export class ValidationError extends DomainError {
  readonly code = 'validation' as const;
  constructor(
    message: string,
    readonly errors: readonly Readonly<{ field: string; message: string }>[] = [],
  ) {
    super(message, { errors });
  }
}

export class ForbiddenError extends DomainError {
  readonly code = 'forbidden' as const;
}

export class UnauthorizedError extends DomainError {
  readonly code = 'unauthorized' as const;
}

/** Optimistic concurrency: the stream moved on since it was read. */
export class ConcurrencyError extends DomainError {
  readonly code = 'concurrency' as const;
  constructor(
    readonly streamName: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`Stream ${streamName} expected revision ${expected} but was ${actual}`, { streamName, expected, actual });
  }
}

/** Well-formed but unusable, e.g. an Idempotency-Key reused with a different body (422). */
export class UnprocessableError extends DomainError {
  readonly code = 'unprocessable' as const;
}

/** A dependency the request needs is down (event store, identity provider keys): retry later. */
export class ServiceUnavailableError extends DomainError {
  readonly code = 'unavailable' as const;
}

/** Over a rate limit or a cap on open streams: retry later (after `retryAfterMs` when known). */
export class TooManyRequestsError extends DomainError {
  readonly code = 'too_many_requests' as const;
  constructor(
    message: string,
    readonly retryAfterMs?: number,
    details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message, { ...details, ...(retryAfterMs !== undefined && { retryAfterSeconds: retryAfterSecondsOf(retryAfterMs) }) });
  }
}

/** Whole seconds, at least 1: what `Retry-After` carries. */
export const retryAfterSecondsOf = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));
