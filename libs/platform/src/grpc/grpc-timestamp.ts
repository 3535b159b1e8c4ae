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
