import { assertNever, ConcurrencyError, ConflictError, ValidationError } from '@ticketing/kernel';
import type { AppendResult, ExpectedRevision, NewEvent } from './event-store.port';

/** Revision of a stream that has no events. */
export const NO_STREAM_REVISION = -1;

/** Where an already recorded event sits: enough to decide whether a re-append is a retry. */
export type RecordedPlace = Readonly<{ streamName: string; streamRevision: number; globalPosition: number }>;

const describeExpected = (expected: ExpectedRevision): string =>
  typeof expected === 'number' ? String(expected) : expected;

const describeActual = (current: number): string => (current === NO_STREAM_REVISION ? 'no_stream' : String(current));

/**
 * Rejects what no adapter may store. An empty append is rejected too: it has no revision or
 * position to report, and a command that decided nothing should simply not append.
 */
export function validateAppend(streamName: string, events: readonly NewEvent[], expected: ExpectedRevision): void {
  const errors: { field: string; message: string }[] = [];
  if (typeof streamName !== 'string' || streamName.length === 0) {
    errors.push({ field: 'streamName', message: 'must be a non-empty string' });
  }
  if (typeof expected === 'number') {
    if (!Number.isSafeInteger(expected) || expected < 0) {
      errors.push({ field: 'expectedRevision', message: 'a number must be the 0-based revision of the last event' });
    }
  } else if (expected !== 'no_stream' && expected !== 'stream_exists' && expected !== 'any') {
    errors.push({ field: 'expectedRevision', message: "must be a revision, 'no_stream', 'stream_exists' or 'any'" });
  }
  if (!Array.isArray(events) || events.length === 0) {
    errors.push({ field: 'events', message: 'must contain at least one event' });
  } else {
    const seen = new Set<string>();
    events.forEach((event, i) => {
      if (typeof event.id !== 'string' || event.id.length === 0) {
        errors.push({ field: `events[${i}].id`, message: 'must be a non-empty string' });
      } else if (seen.has(event.id)) {
        errors.push({ field: `events[${i}].id`, message: `duplicate id ${event.id} in the same append` });
      }
      seen.add(event.id);
      if (typeof event.type !== 'string' || event.type.length === 0) {
        errors.push({ field: `events[${i}].type`, message: 'must be a non-empty string' });
      }
      if (!Number.isSafeInteger(event.schemaVersion) || event.schemaVersion < 1) {
        errors.push({ field: `events[${i}].schemaVersion`, message: 'must be a positive integer' });
      }
      if (event.data === null || typeof event.data !== 'object' || Array.isArray(event.data)) {
        errors.push({ field: `events[${i}].data`, message: 'must be an object' });
      }
      if (event.metadata === null || typeof event.metadata !== 'object') {
        errors.push({ field: `events[${i}].metadata`, message: 'must be an object' });
      }
    });
  }
  if (errors.length > 0) throw new ValidationError(`Invalid append to ${String(streamName)}`, errors);
}

/** Whether the appender's expectation holds for a stream whose last revision is `current` (-1: none). */
export function expectationHolds(expected: ExpectedRevision, current: number): boolean {
  if (typeof expected === 'number') return expected === current;
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return current === NO_STREAM_REVISION;
    case 'stream_exists':
      return current !== NO_STREAM_REVISION;
    default:
      return assertNever(expected);
  }
}

export function concurrencyError(streamName: string, expected: ExpectedRevision, current: number): ConcurrencyError {
  return new ConcurrencyError(streamName, describeExpected(expected), describeActual(current));
}

/** Whether a batch first recorded at `firstRevision` is the one this expectation would have placed there. */
function impliedBy(expected: ExpectedRevision, firstRevision: number): boolean {
  if (typeof expected === 'number') return firstRevision === expected + 1;
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return firstRevision === 0;
    case 'stream_exists':
      return firstRevision > 0;
    default:
      return assertNever(expected);
  }
}

/**
 * Decides whether an append repeats one already recorded (a retry after a lost acknowledgement).
 * Returns the first append's result when every id is already in this stream, in order, at exactly
 * the revisions the expectation implies; `undefined` when none of the ids is recorded. Anything in
 * between is not a retry: ids recorded in another stream raise ConflictError (re-deciding cannot
 * fix that), ids recorded elsewhere in this stream or only partly raise ConcurrencyError.
 */
export function resolveRepeatedAppend(
  streamName: string,
  events: readonly NewEvent[],
  expected: ExpectedRevision,
  lookup: (id: string) => RecordedPlace | undefined,
): AppendResult | undefined {
  const places = events.map((event) => lookup(event.id));
  if (places.every((place) => place === undefined)) return undefined;

  places.forEach((place, i) => {
    if (place && place.streamName !== streamName) {
      throw new ConflictError(`Event id ${events[i].id} is already recorded in stream ${place.streamName}`, {
        eventId: events[i].id,
        streamName: place.streamName,
      });
    }
  });

  const first = places[0];
  const isRetry =
    first !== undefined &&
    impliedBy(expected, first.streamRevision) &&
    places.every((place, i) => place !== undefined && place.streamRevision === first.streamRevision + i);
  if (isRetry) {
    const last = places[places.length - 1] as RecordedPlace;
    return { nextExpectedRevision: last.streamRevision, lastGlobalPosition: last.globalPosition };
  }

  const recorded = places
    .map((place, i) => (place ? `${events[i].id}@${place.streamRevision}` : undefined))
    .filter((entry): entry is string => entry !== undefined);
  return throwRepeated(streamName, expected, recorded);
}

function throwRepeated(streamName: string, expected: ExpectedRevision, recorded: readonly string[]): never {
  throw new ConcurrencyError(
    streamName,
    describeExpected(expected),
    `a stream already holding some of these events at other revisions (${recorded.join(', ')})`,
  );
}
