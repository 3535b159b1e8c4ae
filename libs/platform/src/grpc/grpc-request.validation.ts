import type { Type } from '@nestjs/common';
import { ValidationError } from '@ticketing/kernel';
import { createValidationPipe } from '../problems/validation.pipe';

const pipe = createValidationPipe();

/**
 * Validates a gRPC request (mapped to the REST DTO's shape) with the API's ValidationPipe, so both
 * transports apply the same rules; a failure is a ValidationError (INVALID_ARGUMENT) naming each field.
 */
export async function validated<T extends object>(type: Type<T>, body: Record<string, unknown>): Promise<T> {
  try {
    return (await pipe.transform(body, { type: 'body', metatype: type, data: undefined })) as T;
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    // gRPC carries only a message: it has to say what is wrong, not merely that something is.
    const problems = error.errors.map(({ field, message }) => `${field}: ${message}`).join('; ');
    throw new ValidationError(`The request is invalid: ${problems}`, error.errors);
  }
}
