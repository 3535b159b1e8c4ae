import { BadRequestException } from '@nestjs/common';
import { ValidationError } from '@ticketing/kernel';
import type { FastifyInstance } from 'fastify';

/** Deepest nesting of objects and arrays a request body may have. */
export const MAX_BODY_DEPTH = 32;

/**
 * Parses a JSON request body, refusing what would crash validation or poison the hash-chained log:
 * nesting deeper than {@link MAX_BODY_DEPTH} (checked on the text, before parsing), numbers JSON
 * cannot carry (`1e309` parses to Infinity), and strings or keys that are not well-formed Unicode
 * (lone surrogates). An empty body is `undefined`: routes without a body accept it, DTOs refuse it.
 */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  if (nestingDepth(text) > MAX_BODY_DEPTH) {
    throw new BadRequestException(`The request body is nested deeper than ${MAX_BODY_DEPTH} levels.`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BadRequestException('The request body is not valid JSON.');
  }
  const errors = unrepresentable(value, '');
  if (errors.length > 0) throw new ValidationError('The request body holds values the API cannot store.', errors);
  return value;
}

/** Replaces Fastify's JSON parser (keeping its body limit) with {@link parseJsonBody}. */
export function useJsonBodyParser(fastify: FastifyInstance): void {
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}

/** The deepest bracket nesting of a JSON text, ignoring brackets inside strings (checked before parsing). */
export function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const char = text.charCodeAt(index);
    if (inString) {
      if (char === 0x5c) index++;
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) inString = true;
    else if (char === 0x7b || char === 0x5b) deepest = Math.max(deepest, ++depth);
    else if (char === 0x7d || char === 0x5d) depth--;
  }
  return deepest;
}

export type FieldError = { field: string; message: string };

// With the u flag a surrogate pair is one code point: only a lone surrogate matches \p{Cs}.
const isWellFormed = (text: string): boolean => !/\p{Cs}/u.test(text);

/**
 * What JSON parsed but the hash-chained log cannot keep: non-finite numbers and strings or keys that
 * are not well-formed Unicode, each with its path under `path` (`body` when empty). Depth is bounded
 * by {@link MAX_BODY_DEPTH} before this runs, so recursion is safe.
 */
export function unrepresentable(value: unknown, path: string): FieldError[] {
  const field = path || 'body';
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [{ field, message: `${field} must be a finite number` }];
  if (typeof value === 'string') return isWellFormed(value) ? [] : [{ field, message: `${field} must be well-formed Unicode (no lone surrogates)` }];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => {
    if (!isWellFormed(key)) return [{ field, message: `${field} has a key that is not well-formed Unicode (no lone surrogates)` }];
    return unrepresentable(child, path ? `${path}.${key}` : key);
  });
}
