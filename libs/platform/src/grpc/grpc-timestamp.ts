import { ValidationError } from '@ticketing/kernel';

/** A `google.protobuf.Timestamp` as @grpc/proto-loader hands it over (int64 seconds as a string or a number). */
export type TimestampMessage = Readonly<{ seconds: string | number; nanos: number }>;

/** An ISO 8601 instant as a protobuf Timestamp. */
export function toTimestamp(iso: string): TimestampMessage {
  const ms = new Date(iso).getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: (ms - seconds * 1000) * 1_000_000 };
}

/** Absent stays absent (proto3 leaves the field unset). */
export const toOptionalTimestamp = (iso: string | null | undefined): TimestampMessage | undefined => (iso === null || iso === undefined ? undefined : toTimestamp(iso));

/**
 * A request's Timestamp as an ISO instant; absent stays absent. One out of the Date range is a
 * ValidationError naming `field` (the REST DTO's field name).
 */
export function isoFromTimestamp(field: string, timestamp: Partial<TimestampMessage> | undefined | null): string | undefined {
  if (!timestamp) return undefined;
  const date = new Date(Number(timestamp.seconds) * 1000 + Math.floor((timestamp.nanos ?? 0) / 1_000_000));
  if (Number.isNaN(date.getTime())) throw new ValidationError(`The request is invalid: ${field}: is not a valid timestamp`, [{ field, message: 'must be a valid timestamp' }]);
  return date.toISOString();
}
