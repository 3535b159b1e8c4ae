/**
 * Errors the platform raises that the kernel's DomainErrorCode does not cover yet. They carry
 * a `code` like DomainError so the problem mapping treats both alike.
 */
abstract class PlatformError extends Error {
  abstract readonly code: 'unprocessable' | 'unavailable';
  constructor(
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Well-formed but unusable, e.g. an Idempotency-Key reused with a different body (422). */
export class UnprocessableError extends PlatformError {
  readonly code = 'unprocessable' as const;
}

/** A dependency the request needs is down (event store, identity provider keys): 503, retry later. */
export class ServiceUnavailableError extends PlatformError {
  readonly code = 'unavailable' as const;
}

export type PlatformErrorCode = PlatformError['code'];
export { PlatformError };
