import { DECORATORS } from '@nestjs/swagger/dist/constants';
import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';

type PropertyMetadata = Record<string, unknown> & { isArray?: boolean; type?: unknown; items?: Record<string, unknown> };
type Keywords = Record<string, unknown>;

/**
 * The longest string a simple anchored pattern matches (`^[A-Z0-9]{2,15}$` → 15), or undefined when
 * it has no bound or is not simple (groups, alternation, `*`, `+`).
 */
export function patternMaxLength(pattern: string): number | undefined {
  if (!pattern.startsWith('^') || !pattern.endsWith('$') || pattern.endsWith('\\$')) return undefined;
  const body = pattern.slice(1, -1);
  let total = 0;
  let index = 0;
  while (index < body.length) {
    const char = body[index];
    if (char === '[') {
      let end = index + 1;
      if (body[end] === '^') end += 1;
      if (body[end] === ']') end += 1;
      while (end < body.length && body[end] !== ']') end += body[end] === '\\' ? 2 : 1;
      if (end >= body.length) return undefined;
      index = end + 1;
    } else if (char === '\\') {
      index += 2;
    } else if ('()|*+?{}^$'.includes(char)) {
      return undefined;
    } else {
      index += 1;
    }
    let repeat = 1;
    const quantifier = /^\{(\d+)(,(\d*))?\}/.exec(body.slice(index));
    if (body[index] === '?') index += 1;
    else if (body[index] === '*' || body[index] === '+') return undefined;
    else if (quantifier) {
      if (quantifier[2] !== undefined && quantifier[3] === '') return undefined;
      repeat = Number(quantifier[3] ?? quantifier[1]);
      index += quantifier[0].length;
    }
    total += repeat;
  }
  return total;
}

const UUID_LENGTH = 36;

/** The OpenAPI keywords one class-validator constraint stands for. */
function keywordsOf(validation: ValidationMetadata): Keywords {
  const constraints = (validation.constraints ?? []) as unknown[];
  switch (validation.name) {
    case 'isLength': {
      const [min, max] = constraints as [number | undefined, number | undefined];
      return { ...(typeof min === 'number' && min > 0 && { minLength: min }), ...(typeof max === 'number' && { maxLength: max }) };
    }
    case 'maxLength':
      return { maxLength: constraints[0] };
    case 'minLength':
      return { minLength: constraints[0] };
    case 'matches': {
      const [pattern, modifiers] = constraints as [RegExp | string, string | undefined];
      const source = pattern instanceof RegExp ? pattern.source : pattern;
      // A pattern with flags (i, u, …) means something else in JSON Schema's dialect: documented only by its bound.
      const flags = pattern instanceof RegExp ? pattern.flags : (modifiers ?? '');
      const maxLength = patternMaxLength(source);
      return { ...(flags === '' && { pattern: source }), ...(maxLength !== undefined && { maxLength }) };
    }
    case 'isUuid':
      return { format: 'uuid', minLength: UUID_LENGTH, maxLength: UUID_LENGTH };
    case 'isEmail':
      return { format: 'email' };
    case 'isUrl':
      return { format: 'uri' };
    case 'isIn':
      return { enum: constraints[0] };
    case 'isInt':
      return { type: 'integer', format: 'int32' };
    case 'min':
      return { minimum: constraints[0] };
    case 'max':
      return { maximum: constraints[0] };
    default:
      return {};
  }
}

const ARRAY_KEYWORDS: Readonly<Record<string, string>> = { arrayMaxSize: 'maxItems', arrayMinSize: 'minItems' };

function validationMetadatas(): ReadonlyMap<object, readonly ValidationMetadata[]> {
  const storage = getMetadataStorage() as unknown as { validationMetadatas?: unknown };
  if (!(storage.validationMetadatas instanceof Map)) {
    throw new Error('class-validator no longer keeps validationMetadatas as a Map: update documentValidationConstraints');
  }
  return storage.validationMetadatas as Map<object, ValidationMetadata[]>;
}

/**
 * Writes every class-validator constraint of every DTO into its OpenAPI property metadata, so the
 * document states the rules the server enforces (lengths, patterns, array sizes, ranges, formats)
 * without repeating them in `@ApiProperty`. What `@ApiProperty` says explicitly wins. Run before
 * the document is generated; running it again changes nothing.
 */
export function documentValidationConstraints(): void {
  for (const [target, validations] of validationMetadatas()) {
    const prototype = (target as { prototype?: object }).prototype;
    if (prototype === undefined) continue;
    const byProperty = new Map<string, ValidationMetadata[]>();
    for (const validation of validations) byProperty.set(validation.propertyName, [...(byProperty.get(validation.propertyName) ?? []), validation]);
    for (const [property, propertyValidations] of byProperty) {
      const existing = Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES, prototype, property) as PropertyMetadata | undefined;
      if (existing === undefined) continue;
      const isArray =
        existing.isArray === true || existing.type === Array || existing.type === 'array' || Reflect.getMetadata('design:type', prototype, property) === Array;
      const own: Keywords = {};
      const items: Keywords = {};
      for (const validation of propertyValidations) {
        const arrayKeyword = ARRAY_KEYWORDS[validation.name ?? ''];
        if (arrayKeyword !== undefined) own[arrayKeyword] = (validation.constraints as unknown[])[0];
        else Object.assign(isArray && validation.each ? items : own, keywordsOf(validation));
      }
      const merged: PropertyMetadata = { ...own, ...existing };
      // `number` is what TypeScript's metadata says of any number: @IsInt knows better.
      if (own.type === 'integer' && (existing.type === Number || existing.type === 'number')) merged.type = 'integer';
      if (Object.keys(items).length > 0) {
        // An array's `enum` (as `@ApiProperty` takes it) describes its items.
        const { enum: itemEnum, ...rest } = merged;
        Object.assign(merged, { ...rest, type: 'array', items: { type: 'string', ...items, ...(itemEnum !== undefined && { enum: itemEnum }), ...existing.items } });
        if (itemEnum !== undefined) delete merged.enum;
      }
      Reflect.defineMetadata(DECORATORS.API_MODEL_PROPERTIES, merged, prototype, property);
    }
  }
}
