import { STATUS_CODES } from 'node:http';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { HttpException } from '@nestjs/common';
import { DomainError, retryAfterSecondsOf, TooManyRequestsError } from '@ticketing/kernel';
import { PROBLEM_TYPES, type ProblemCode, type ProblemType } from './problem-types';

/** RFC 9457 problem details as sent on the wire, plus the correlation id and extension members. */
export type ProblemDetails = Readonly<{
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  correlationId?: string;
  [extension: string]: unknown;
}>;

/** What an error means to a client, independent of transport. */
export type ClassifiedError = Readonly<{
  problemType: ProblemType;
  detail: string;
  extensions: Readonly<Record<string, unknown>>;
  /** True for bugs and crashes: the detail is generic and the error must be logged. */
  unexpected: boolean;
}>;

/** Bounds of a problem body, as the OpenAPI document states them: a huge bad request never makes a huge answer. */
export const PROBLEM_LIMITS = { detail: 4096, fieldErrors: 100, field: 256, message: 1024 } as const;

const GENERIC_DETAIL = 'An unexpected error occurred. Quote the correlation id when reporting it.';
const RESERVED_MEMBERS = new Set(['type', 'title', 'status', 'detail', 'instance', 'correlationId']);

/** Classifies any thrown value: domain and platform errors by code, Nest HttpExceptions by status, the rest as 500. */
export function classifyError(error: unknown): ClassifiedError {
  if (error instanceof DomainError) {
    return { problemType: PROBLEM_TYPES[error.code], detail: error.message, extensions: extensionsOf(error.details), unexpected: false };
  }
  if (error instanceof HttpException) {
    return { problemType: problemTypeForStatus(error.getStatus()), detail: httpExceptionDetail(error), extensions: {}, unexpected: false };
  }
  return { problemType: PROBLEM_TYPES.internal, detail: GENERIC_DETAIL, extensions: {}, unexpected: true };
}

/** The problem+json body and extra headers for an error. */
export function toProblemDetails(
  error: unknown,
  context: Readonly<{ instance?: string; correlationId?: string }> = {},
): Readonly<{ body: ProblemDetails; headers: Readonly<Record<string, string>>; unexpected: boolean }> {
  const { problemType, detail, extensions, unexpected } = classifyError(error);
  const body: ProblemDetails = {
    ...extensions,
    type: problemType.type,
    title: problemType.title,
    status: problemType.status,
    detail: detail.slice(0, PROBLEM_LIMITS.detail),
    ...(context.instance !== undefined && { instance: context.instance }),
    ...(context.correlationId !== undefined && { correlationId: context.correlationId }),
  };
  const headers: Record<string, string> =
    problemType.status === 401 ? { 'www-authenticate': 'Bearer realm="ticketing"' } : {};
  const retryAfter = retryAfterOf(error);
  if (retryAfter !== undefined) headers['retry-after'] = retryAfter;
  return { body, headers, unexpected };
}

/** Seconds to wait, for `Retry-After` (HTTP) and the `retry-after` trailer (gRPC). */
export function retryAfterOf(error: unknown): string | undefined {
  return error instanceof TooManyRequestsError && error.retryAfterMs !== undefined ? String(retryAfterSecondsOf(error.retryAfterMs)) : undefined;
}

const STATUS_TO_CODE: Readonly<Record<number, ProblemCode>> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'too_many_requests',
  500: 'internal',
  503: 'unavailable',
};

function problemTypeForStatus(status: number): ProblemType {
  const code = STATUS_TO_CODE[status];
  if (code !== undefined) return PROBLEM_TYPES[code];
  // RFC 9457 §4.2.1: with no more specific type, "about:blank" and the HTTP status phrase.
  return { type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status, grpc: GrpcStatus.UNKNOWN };
}

function httpExceptionDetail(error: HttpException): string {
  const response = error.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.map(String).join('; ');
  return error.message;
}

function extensionsOf(details: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const extensions = Object.fromEntries(Object.entries(details).filter(([key]) => !RESERVED_MEMBERS.has(key)));
  if (Array.isArray(extensions.errors)) extensions.errors = boundedFieldErrors(extensions.errors as readonly FieldError[]);
  return extensions;
}

type FieldError = Readonly<{ field: string; message: string }>;

// The first errors, each cut to length: enough to fix the request, bounded however bad it was.
const boundedFieldErrors = (errors: readonly FieldError[]): FieldError[] =>
  errors.slice(0, PROBLEM_LIMITS.fieldErrors).map(({ field, message }) => ({
    field: String(field).slice(0, PROBLEM_LIMITS.field),
    message: String(message).slice(0, PROBLEM_LIMITS.message),
  }));
