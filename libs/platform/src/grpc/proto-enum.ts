/** A proto enum value as @grpc/proto-loader hands it over with `enums: String` (a number when unknown). */
export type EnumValue = string | number;

/**
 * A proto enum whose value names are the contract's values upper-cased behind a prefix
 * (`in_progress` ↔ `TICKET_STATUS_IN_PROGRESS`). Decoding does not validate: an unknown or
 * UNSPECIFIED value decodes to something the request DTO's `@IsIn` rejects.
 */
export const protoEnum = (prefix: string) => ({
  // A value that is no string (never written by this API, but read from an old event) is UNSPECIFIED, not a crash.
  toProto: (value: string): string => `${prefix}${typeof value === 'string' ? value.toUpperCase() : 'UNSPECIFIED'}`,
  fromProto: (value: EnumValue): string =>
    typeof value === 'string' && value.startsWith(prefix) ? value.slice(prefix.length).toLowerCase() : String(value),
});

