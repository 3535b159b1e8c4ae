import { status as GrpcStatus } from '@grpc/grpc-js';
import type { DomainErrorCode } from '@ticketing/kernel';

/** Every error a client can see, by stable code. */
export type ProblemCode =
  | DomainErrorCode
  | 'bad_request'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'method_not_allowed'
  | 'not_acceptable'
  | 'too_many_requests'
  | 'headers_too_large'
  | 'internal';

export type ProblemType = Readonly<{ type: string; title: string; status: number; grpc: GrpcStatus }>;

export const PROBLEM_TYPE_BASE = 'https://ticketing.dev/problems/';

const problem = (slug: string, title: string, status: number, grpc: GrpcStatus): ProblemType => ({
  type: `${PROBLEM_TYPE_BASE}${slug}`,
  title,
  status,
  grpc,
});

/** The one table of problem types: URI, title, HTTP status and gRPC status per code. */
export const PROBLEM_TYPES: Readonly<Record<ProblemCode, ProblemType>> = {
  bad_request: problem('bad-request', 'Malformed request', 400, GrpcStatus.INVALID_ARGUMENT),
  validation: problem('validation', 'Invalid request', 400, GrpcStatus.INVALID_ARGUMENT),
  unauthorized: problem('unauthorized', 'Authentication required', 401, GrpcStatus.UNAUTHENTICATED),
  forbidden: problem('forbidden', 'Not allowed', 403, GrpcStatus.PERMISSION_DENIED),
  not_found: problem('not-found', 'Not found', 404, GrpcStatus.NOT_FOUND),
  method_not_allowed: problem('method-not-allowed', 'Method not allowed', 405, GrpcStatus.UNIMPLEMENTED),
  not_acceptable: problem('not-acceptable', 'Not acceptable', 406, GrpcStatus.INVALID_ARGUMENT),
  illegal_state: problem('illegal-state', 'Not allowed in the current state', 409, GrpcStatus.FAILED_PRECONDITION),
  conflict: problem('conflict', 'Conflict', 409, GrpcStatus.ALREADY_EXISTS),
  concurrency: problem('concurrency', 'Concurrent modification', 409, GrpcStatus.ABORTED),
  payload_too_large: problem('payload-too-large', 'Request body too large', 413, GrpcStatus.RESOURCE_EXHAUSTED),
  unsupported_media_type: problem('unsupported-media-type', 'Unsupported media type', 415, GrpcStatus.INVALID_ARGUMENT),
  unprocessable: problem('unprocessable', 'Unprocessable request', 422, GrpcStatus.FAILED_PRECONDITION),
  too_many_requests: problem('too-many-requests', 'Too many requests', 429, GrpcStatus.RESOURCE_EXHAUSTED),
  headers_too_large: problem('headers-too-large', 'Request headers too large', 431, GrpcStatus.RESOURCE_EXHAUSTED),
  internal: problem('internal', 'Internal error', 500, GrpcStatus.INTERNAL),
  unavailable: problem('unavailable', 'Service unavailable', 503, GrpcStatus.UNAVAILABLE),
};
