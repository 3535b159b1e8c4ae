import { join } from 'node:path';
import { Metadata, type status as GrpcStatus } from '@grpc/grpc-js';
import { GOOGLE_RPC_ERROR_DETAILS_PROTO_FILE, GOOGLE_RPC_STATUS_PROTO_FILE, protoDir } from '@ticketing/contracts';
import { ValidationError } from '@ticketing/kernel';
import { Root, type Type } from 'protobufjs';
import { CORRELATION_HEADER } from '../logging/correlation.context';
import { classifyError, retryAfterOf } from './problem-mapping';
import { PROBLEM_TYPE_BASE } from './problem-types';

/** The trailer gRPC clients read a serialized google.rpc.Status from (the richer error model). */
export const GRPC_STATUS_DETAILS_TRAILER = 'grpc-status-details-bin';

/** `ErrorInfo.domain` of every error this API raises. */
export const ERROR_DOMAIN = new URL(PROBLEM_TYPE_BASE).host;

/** What grpc-js sends as a call's status: `code`, `message` (the status message) and trailers. */
export type GrpcErrorStatus = Readonly<{ code: GrpcStatus; message: string; metadata: Metadata }>;

type ErrorTypes = Readonly<{ status: Type; errorInfo: Type; badRequest: Type; retryInfo: Type }>;

let errorTypes: ErrorTypes | undefined;

// Loaded on first use: the protos are read from disk once per process.
function types(): ErrorTypes {
  if (errorTypes) return errorTypes;
  const root = new Root();
  root.resolvePath = (_origin, target) => join(protoDir(), target);
  root.loadSync([GOOGLE_RPC_STATUS_PROTO_FILE, GOOGLE_RPC_ERROR_DETAILS_PROTO_FILE]);
  errorTypes = {
    status: root.lookupType('google.rpc.Status'),
    errorInfo: root.lookupType('google.rpc.ErrorInfo'),
    badRequest: root.lookupType('google.rpc.BadRequest'),
    retryInfo: root.lookupType('google.rpc.RetryInfo'),
  };
  return errorTypes;
}

const anyOf = (type: Type, value: Record<string, unknown>) => ({
  type_url: `type.googleapis.com/${type.fullName.slice(1)}`,
  value: type.encode(type.fromObject(value)).finish(),
});

const snakeCase = (name: string): string => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

/**
 * A DTO field path (`social.postUrl`, `items.0.txHash`) as the proto field path a gRPC client
 * knows (`social.post_url`, `items[0].tx_hash`). The DTOs use the proto fields' JSON names
 * (lowerCamelCase), so this inverts proto-loader's snake_case → camelCase mapping.
 */
export function protoFieldPath(field: string): string {
  return field
    .split('.')
    .map((segment, index) => (/^\d+$/.test(segment) ? `[${segment}]` : `${index === 0 ? '' : '.'}${snakeCase(segment)}`))
    .join('');
}

/** `not-found` → `NOT_FOUND`: ErrorInfo reasons are UPPER_SNAKE_CASE. */
const reasonOf = (type: string, title: string): string => {
  const slug = type.startsWith(PROBLEM_TYPE_BASE) ? type.slice(PROBLEM_TYPE_BASE.length) : title;
  return slug.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '').toUpperCase() || 'UNKNOWN';
};

// ErrorInfo metadata keys must match [a-z][a-zA-Z0-9-_]+ and values are strings: scalar extensions only.
const METADATA_KEY = /^[a-z][a-zA-Z0-9_-]{0,63}$/;
const scalarMetadata = (extensions: Readonly<Record<string, unknown>>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(extensions)
      .filter(([key, value]) => METADATA_KEY.test(key) && ['string', 'number', 'boolean'].includes(typeof value))
      .map(([key, value]) => [key, String(value)]),
  );

/**
 * The gRPC status for any thrown value, as REST's problem+json says it: the code, the detail as
 * the status message, and a google.rpc.Status in the `grpc-status-details-bin` trailer with an
 * ErrorInfo (reason from the problem type, the full type, title and correlation id in its
 * metadata), a BadRequest with proto field paths for validation errors, and a RetryInfo when the
 * error carries `retryAfterSeconds`. The correlation id is also sent as the `x-correlation-id` trailer.
 */
export function toGrpcStatus(error: unknown, context: Readonly<{ correlationId?: string }> = {}): GrpcErrorStatus {
  const { problemType, detail, extensions } = classifyError(error);
  const { status, errorInfo, badRequest, retryInfo } = types();
  const details = [
    anyOf(errorInfo, {
      reason: reasonOf(problemType.type, problemType.title),
      domain: ERROR_DOMAIN,
      metadata: {
        ...scalarMetadata(extensions),
        type: problemType.type,
        title: problemType.title,
        httpStatus: String(problemType.status),
        ...(context.correlationId !== undefined && { correlationId: context.correlationId }),
      },
    }),
  ];
  if (error instanceof ValidationError && error.errors.length > 0) {
    const fieldViolations = error.errors.map(({ field, message }) => ({ field: protoFieldPath(field), description: message }));
    details.push(anyOf(badRequest, { fieldViolations }));
  }
  const retryAfter = extensions.retryAfterSeconds;
  if (typeof retryAfter === 'number' && Number.isFinite(retryAfter) && retryAfter >= 0) {
    details.push(anyOf(retryInfo, { retryDelay: { seconds: Math.ceil(retryAfter) } }));
  }
  const metadata = new Metadata();
  metadata.set(GRPC_STATUS_DETAILS_TRAILER, Buffer.from(status.encode(status.fromObject({ code: problemType.grpc, message: detail, details })).finish()));
  if (context.correlationId !== undefined) metadata.set(CORRELATION_HEADER, context.correlationId);
  const retryAfterTrailer = retryAfterOf(error);
  if (retryAfterTrailer !== undefined) metadata.set('retry-after', retryAfterTrailer);
  return { code: problemType.grpc, message: detail, metadata };
}
