import { ValidationPipe, type ArgumentMetadata, type ValidationError as ClassValidatorError } from '@nestjs/common';
import { ValidationError } from '@ticketing/kernel';

type FieldError = Readonly<{ field: string; message: string }>;

/** ValidationPipe that also refuses a body that is not a JSON object where a DTO class is expected. */
class ApiValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // Without this, `"x"`, `[]` or no body at all would pass a DTO whose fields are all optional.
    if (metadata.type === 'body' && this.toValidate(metadata) && !isPlainObject(value)) {
      throw new ValidationError('The request body must be a JSON object.', [
        { field: 'body', message: 'body must be a JSON object' },
      ]);
    }
    if ((metadata.type === 'body' || metadata.type === 'query') && this.toValidate(metadata)) {
      // class-validator's whitelist looks names up on a plain object, so `constructor` or `toString` pass it,
      // and class-transformer crashes on some of them: refuse them here, at any depth, as unknown fields.
      const inherited = inheritedNames(value, '');
      if (inherited.length > 0) throw new ValidationError('The request is invalid.', inherited);
    }
    return super.transform(value, metadata);
  }
}

/** Keys anywhere in `value` that name an Object.prototype member (`constructor`, `__proto__`, …). */
function inheritedNames(value: unknown, parent: string): FieldError[] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const field = parent ? `${parent}.${key}` : key;
    return key in Object.prototype ? [{ field, message: `property ${key} should not exist` }] : inheritedNames(child, field);
  });
}

/**
 * The API's ValidationPipe: unknown fields are rejected, payloads become DTO instances (no
 * implicit type conversion), and failures become a kernel ValidationError with one
 * `{field, message}` per broken constraint.
 */
export function createValidationPipe(): ValidationPipe {
  return new ApiValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new ValidationError('The request is invalid.', flattenErrors(errors)),
  });
}

/** Nested class-validator errors as dotted field paths (`items.0.amount`). */
export function flattenErrors(errors: readonly ClassValidatorError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = [parent, error.property].filter(Boolean).join('.') || 'body';
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flattenErrors(error.children ?? [], field)];
  });
}

const isPlainObject = (value: unknown): boolean => typeof value === 'object' && value !== null && !Array.isArray(value);
