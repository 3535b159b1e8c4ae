import { AsyncLocalStorage } from 'node:async_hooks';
import { newId } from '@ticketing/kernel';

export const CORRELATION_HEADER = 'x-correlation-id';

// Accept ids from callers (UUIDs, ULIDs, trace ids) but nothing that could smuggle log or header content.
const SAFE_CORRELATION_ID = /^[A-Za-z0-9._:-]{1,64}$/;

const storage = new AsyncLocalStorage<Readonly<{ correlationId: string }>>();

/**
 * The correlation id of the work in progress, carried across awaits. HTTP handlers run inside
 * the request's id; bus consumers call `run` with the id from the event's metadata.
 */
export const CorrelationContext = {
  run<T>(correlationId: string, fn: () => T): T {
    return storage.run({ correlationId }, fn);
  },
  currentCorrelationId(): string | undefined {
    return storage.getStore()?.correlationId;
  },
} as const;

/** The caller's correlation id if it is a short safe string, else a new UUIDv7. */
export function acceptOrCreateCorrelationId(candidate: string | readonly string[] | undefined): string {
  const value = Array.isArray(candidate) ? candidate[0] : candidate;
  return typeof value === 'string' && SAFE_CORRELATION_ID.test(value) ? value : newId();
}
