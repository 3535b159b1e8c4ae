import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';

/** RFC 9457 problem details, as every error of the API is answered. */
export class ProblemDetailsSchema {
  @ApiProperty({ example: 'https://ticketing.dev/problems/illegal-state', description: 'Stable per error code' }) type!: string;
  @ApiProperty({ example: 'Not allowed in the current state' }) title!: string;
  @ApiProperty({ example: 409 }) status!: number;
  @ApiPropertyOptional({ example: 'Cannot CloseTicket while open' }) detail?: string;
  @ApiPropertyOptional({ example: '/v1/tickets/0193…/close' }) instance?: string;
  @ApiPropertyOptional() correlationId?: string;
  @ApiPropertyOptional({ description: 'Field errors of a validation problem', type: 'array', items: { type: 'object' } }) errors?: unknown[];
}

const MEANING: Readonly<Record<number, string>> = {
  400: 'Malformed JSON, unknown or missing fields, wrong types or formats',
  401: 'Missing, invalid or expired bearer token',
  403: 'The caller’s role may not do this',
  404: 'No such resource, or not the caller’s (customers never learn whether another’s ticket exists)',
  409: 'Not allowed in the current state (names the state and the command), or a concurrent request with the same Idempotency-Key',
  413: 'Request body over TICKETING_HTTP_BODY_LIMIT',
  415: 'Body is not application/json',
  422: 'Idempotency-Key reused with a different request',
};

/** Documents the problem+json answers a route can give. */
export function ApiProblems(...statuses: readonly number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ProblemDetailsSchema),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: MEANING[status] ?? 'Error',
        content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDetailsSchema) } } },
      }),
    ),
  );
}
