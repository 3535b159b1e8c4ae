/**
 * JSON text that JSON.stringify cannot produce: numbers out of double range, lone surrogates,
 * duplicate keys, nesting thousands deep. The fuzzer builds a tree of these and renders it to the
 * exact text it sends.
 */
export type RawJson = null | boolean | number | string | readonly RawJson[] | RawObject | RawText | RawEntries;
export type RawObject = { readonly [key: string]: RawJson };

/** Pasted into the JSON text verbatim, e.g. `1e309` or `"\ud800"`. */
export class RawText {
  constructor(readonly text: string) {}
}

/** An object as an ordered list of members, so a key may repeat. */
export class RawEntries {
  constructor(readonly entries: readonly (readonly [string, RawJson])[]) {}
}

/** Renders the tree to JSON text (generated trees are shallow: deep nesting comes as RawText). */
export function renderRawJson(value: RawJson): string {
  if (value instanceof RawText) return value.text;
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${(value as readonly RawJson[]).map(renderRawJson).join(',')}]`;
  const entries = value instanceof RawEntries ? value.entries : Object.entries(value as RawObject);
  return `{${entries.map(([key, member]) => `${JSON.stringify(key)}:${renderRawJson(member)}`).join(',')}}`;
}
