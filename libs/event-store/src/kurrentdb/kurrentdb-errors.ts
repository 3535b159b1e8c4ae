import { ErrorType, isCommandError } from '@kurrent/kurrentdb-client';
import { ConflictError, ServiceUnavailableError, ValidationError, type Clock } from '@ticketing/kernel';

/*
 * The client's errors mapped to the kernel's (what the HTTP edge turns into problem+json):
 *   wrong expected version              → ConcurrencyError (raised by the adapter, which knows the
 *                                          caller's expectation and re-reads the stream first)
 *   unavailable, deadline exceeded, server timeout, cancelled, not leader, our own deadline
 *                                       → ServiceUnavailableError: retry later; for an append the
 *                                          outcome is unknown, and a retry with the same event ids is
 *                                          idempotent, so retrying is safe
 *   stream not found (reads)            → an empty stream (handled where the read happens)
 *   stream deleted / tombstoned         → ConflictError: this stream can never be written again
 *   maximum append size exceeded        → ValidationError
 *   anything else (access denied, unknown, a bug) is rethrown unchanged: retrying will not help and
 *   the operator needs the original.
 */

const TRANSIENT = new Set<string>([
  ErrorType.UNAVAILABLE,
  ErrorType.DEADLINE_EXCEEDED,
  ErrorType.TIMEOUT,
  ErrorType.CANCELLED,
  ErrorType.NOT_LEADER,
]);

/** Whether an operation that failed with this error may succeed when simply tried again later. */
export function isTransient(error: unknown): boolean {
  if (error instanceof ServiceUnavailableError) return true;
  return error instanceof Error && isCommandError(error) && TRANSIENT.has(error.type);
}

/** The kernel error for a client error; errors without a kernel counterpart are returned unchanged. */
export function toKernelError(error: unknown, streamName?: string): unknown {
  if (!(error instanceof Error) || !isCommandError(error)) return error;
  const where = streamName === undefined ? '' : ` (stream ${streamName})`;
  if (TRANSIENT.has(error.type)) {
    return new ServiceUnavailableError(`Event store unavailable${where}: ${error.message || error.type}`, {
      cause: error.type,
    });
  }
  switch (error.type) {
    case ErrorType.STREAM_DELETED:
    case ErrorType.STREAM_TOMBSTONED:
      return new ConflictError(`Stream ${streamName ?? '(unknown)'} was deleted and cannot be written`, {
        streamName,
        cause: error.type,
      });
    case ErrorType.MAXIMUM_APPEND_SIZE_EXCEEDED:
    case ErrorType.APPEND_RECORD_SIZE_EXCEEDED:
      return new ValidationError(`Append too large for the event store${where}: ${error.message}`, [
        { field: 'events', message: 'exceed the event store\'s maximum append size' },
      ]);
    default:
      return error;
  }
}

/**
 * Runs one call to the server under a deadline measured on `clock`. The client's own gRPC deadline
 * is passed as well where the client takes one, but reads go through the client's native bridge,
 * which takes none, and a streamed append has none on the wire: this timer is what bounds them.
 * A call that overruns is abandoned, not cancelled: its late result or error is dropped.
 */
export async function withDeadline<T>(clock: Clock, deadlineMs: number, what: string, call: () => Promise<T>): Promise<T> {
  const stopTimer = new AbortController();
  const pending = call();
  pending.catch(() => undefined); // a late rejection after the deadline fired must not go unhandled
  const expired = new Promise<never>((_, reject) => {
    clock.sleep(deadlineMs, stopTimer.signal).then(
      () => reject(new ServiceUnavailableError(`Event store did not answer ${what} within ${deadlineMs} ms`, { deadlineMs })),
      () => undefined,
    );
  });
  try {
    return await Promise.race([pending, expired]);
  } finally {
    stopTimer.abort();
  }
}
