import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse, ApiSchema, getSchemaPath } from '@nestjs/swagger';
import { PROBLEM_LIMITS } from '../problems/problem-mapping';

/** One rejected field of a validation problem. */
@ApiSchema({ name: 'FieldError' })
export class FieldErrorSchema {
  @ApiProperty({ example: 'assetContext.network', description: 'Path of the field in the request (dots and indexes), or a header name', maxLength: PROBLEM_LIMITS.field })
  field!: string;
  @ApiProperty({ example: 'network is an upper-case network code', maxLength: PROBLEM_LIMITS.message }) message!: string;
}

/** RFC 9457 problem details, as every error of the API is answered. */
@ApiSchema({ name: 'ProblemDetails', description: 'RFC 9457 problem details; problem types may add extension members (e.g. `state`, `command`, `budget`)' })
export class ProblemDetailsSchema {
  @ApiProperty({ example: 'https://ticketing.dev/problems/illegal-state', description: 'Stable per error code', format: 'uri', maxLength: 256 }) type!: string;
  @ApiProperty({ example: 'Not allowed in the current state', maxLength: 256 }) title!: string;
  @ApiProperty({ example: 409, type: 'integer', format: 'int32', minimum: 100, maximum: 599 }) status!: number;
  @ApiProperty({ example: 'Cannot CloseTicket while open', maxLength: PROBLEM_LIMITS.detail }) detail!: string;
  @ApiPropertyOptional({ example: '/v1/tickets/0193…/close', maxLength: 2048 }) instance?: string;
  @ApiPropertyOptional({ description: 'Quote it when reporting a problem', maxLength: 128 }) correlationId?: string;
  @ApiPropertyOptional({ description: 'Field errors of a validation problem', type: [FieldErrorSchema], maxItems: PROBLEM_LIMITS.fieldErrors })
  errors?: FieldErrorSchema[];
}

/** What each problem status means, as every operation documents it. */
export const PROBLEM_MEANINGS: Readonly<Record<number, string>> = {
  400: 'Malformed JSON, unknown or missing fields, wrong types or formats',
  401: 'Missing, invalid or expired bearer token',
  403: 'The caller’s role may not do this',
  404: 'No such resource, or not the caller’s (customers never learn whether another’s ticket exists)',
  409: 'Not allowed in the current state (names the state and the command), or a concurrent request with the same Idempotency-Key',
  413: 'Request body over TICKETING_HTTP_BODY_LIMIT',
  415: 'Body is not application/json',
  422: 'Idempotency-Key reused with a different request',
  429: 'Rate limit reached, or too many open streams: retry after Retry-After seconds',
  500: 'Unexpected error: quote the correlation id when reporting it',
  503: 'A dependency is unavailable',
};

/** The problem+json media type and schema every error response declares. */
export const problemContent = () => ({ 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDetailsSchema) } } });

/**
 * Documents problem+json answers a route gives beyond those every operation gets by convention
 * (see api-conventions.ts), or a route-specific meaning for one of them.
 */
export function ApiProblems(...statuses: readonly number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ProblemDetailsSchema, FieldErrorSchema),
    ...statuses.map((status) => ApiResponse({ status, description: PROBLEM_MEANINGS[status] ?? 'Error', content: problemContent() })),
  );
}
