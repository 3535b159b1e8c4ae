import { START, type Position, type ReadPosition } from '@kurrent/kurrentdb-client';

/*
 * Position mapping (docs/architecture.md §4: "monotonic and gap-free for readers").
 *
 * An EventStoreDB/KurrentDB $all position is a (commit, prepare) pair of byte offsets into the
 * transaction log. For every event written without an explicit transaction — every event this
 * adapter writes, and every event any gRPC client can write — the server reports commit = prepare =
 * the offset of the event's own record. So our `globalPosition` is that offset as a number:
 *   - monotonic: the log is append-only and $all is read in log order;
 *   - never skipped by a reader: a reader resumes strictly after the last position it saw, and
 *     every event after it has a larger offset;
 *   - NOT dense: offsets jump by the size of each record (and of the server's own records), so
 *     `position + 1` or `position - 1` is in general no event's position, and the server refuses to
 *     read $all from an offset that is not the start of a record. Callers must only pass back
 *     positions the store reported (an event's globalPosition, headPosition(), an AppendResult's
 *     lastGlobalPosition) or 0.
 *   - A number, not a bigint: offsets stay far below 2^53 (8 PiB of log), but instead of assuming
 *     that, a position that does not fit fails loudly rather than silently rounding.
 * Position 0 means "before the first event": the log starts with the server's own epoch record, so
 * no event sits at offset 0, and one that did would be rejected here.
 */

/** 2^64 - 1: what servers before 22.6 report on stream reads instead of the event's $all position. */
const NO_POSITION = 0xffff_ffff_ffff_ffffn;
const MAX_POSITION = BigInt(Number.MAX_SAFE_INTEGER);

/** A $all position this adapter cannot represent faithfully as a `globalPosition`. */
export class UnmappablePositionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnmappablePositionError';
  }
}

/** The `globalPosition` of an event the server reported at `position`; throws when that would not be faithful. */
export function toGlobalPosition(position: Position | undefined, eventDescription: string): number {
  if (position === undefined || position.commit === NO_POSITION || position.prepare === NO_POSITION) {
    throw new UnmappablePositionError(
      `${eventDescription} came without its $all position: EventStoreDB before 22.6 does not report it on stream ` +
        'reads. This adapter needs EventStoreDB 22.6 or later, or KurrentDB.',
    );
  }
  if (position.commit !== position.prepare) {
    throw new UnmappablePositionError(
      `${eventDescription} was written in an explicit transaction (commit ${position.commit} ≠ prepare ` +
        `${position.prepare}); its events share one commit position, which cannot be a unique global position.`,
    );
  }
  if (position.commit <= 0n || position.commit > MAX_POSITION) {
    throw new UnmappablePositionError(
      `${eventDescription} sits at $all position ${position.commit}, outside 1..${Number.MAX_SAFE_INTEGER}.`,
    );
  }
  return Number(position.commit);
}

/**
 * The $all position to read or subscribe from to see every event after `after` (0: from the
 * start). A forward read includes the event at that position and a subscription excludes it: either
 * way the caller drops events at or before `after`, so both are safe.
 */
export function positionAfter(after: number): ReadPosition {
  if (after === 0) return START;
  const offset = BigInt(after);
  return { commit: offset, prepare: offset };
}
