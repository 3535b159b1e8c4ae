import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/** RFC 8785 canonical JSON of a value; throws a TypeError for what JSON cannot carry. */
export function canonicalJson(value: unknown): string {
  const json = canonicalize(value);
  if (json === undefined) throw new TypeError('value is not JSON-serializable');
  return json;
}

/** SHA-256 (lowercase hex) over the RFC 8785 canonical JSON of `value`: an evidence item's content hash. */
export const contentHashOf = (value: unknown): string => createHash('sha256').update(canonicalJson(value), 'utf8').digest('hex');
