import fc from 'fast-check';
import { RawEntries, RawText, renderRawJson, type RawJson } from './raw-json';

/** The part of an OpenAPI 3 schema object the generator reads. */
export type Schema = {
  $ref?: string;
  allOf?: Schema[];
  type?: string;
  format?: string;
  enum?: unknown[];
  example?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  minLength?: number;
  maxLength?: number;
};
export type OpenApiDocument = {
  paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: Schema }> }; parameters?: { name: string; in: string }[] }>>;
  components?: { schemas?: Record<string, Schema> };
};

/** A write operation of the document, with its JSON request body schema ($refs resolved) if it has one. */
export type WriteOperation = Readonly<{ method: string; path: string; body?: Schema; headers: readonly string[] }>;

/** Stands for "an existing resource's id" in generated bodies (a `format: uuid` field); the sender fills in a real one. */
export const EXISTING_ID = '00000000-0000-4000-8000-0000000f0220';

const WRITE_METHODS = ['post', 'put', 'patch', 'delete'];

/** Every write operation of `document`, in document order. */
export function writeOperations(document: OpenApiDocument): WriteOperation[] {
  const resolve = (schema: Schema, seen: ReadonlySet<string> = new Set()): Schema => {
    if (schema.$ref !== undefined) {
      const name = schema.$ref.replace('#/components/schemas/', '');
      const target = document.components?.schemas?.[name];
      if (target === undefined || seen.has(name)) throw new Error(`unresolvable $ref ${schema.$ref}`);
      return resolve(target, new Set([...seen, name]));
    }
    if (schema.allOf?.length === 1) return resolve({ ...schema.allOf[0], ...withoutKey(schema, 'allOf') }, seen);
    return {
      ...schema,
      properties: schema.properties && Object.fromEntries(Object.entries(schema.properties).map(([key, value]) => [key, resolve(value, seen)])),
      items: schema.items && resolve(schema.items, seen),
    };
  };
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.entries(operations)
      .filter(([method]) => WRITE_METHODS.includes(method))
      .map(([method, operation]) => {
        const schema = operation.requestBody?.content?.['application/json']?.schema;
        return {
          method: method.toUpperCase(),
          path,
          body: schema && resolve(schema),
          headers: (operation.parameters ?? []).filter((parameter) => parameter.in === 'header').map((parameter) => parameter.name),
        };
      }),
  );
}

function withoutKey<T extends object>(value: T, key: keyof T): Partial<T> {
  const copy = { ...value };
  delete copy[key];
  return copy;
}

const camelCase = (value: string): string => value.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());

/** Every name `Object.prototype` has: validators and transformers that look keys up with `in` or `obj[key]` trip on these. */
export const PROTOTYPE_NAMES = [
  '__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable',
  'toLocaleString', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__', 'prototype',
] as const;

/** Number literals outside what a double holds, or at its edges, as JSON text. */
export const EXTREME_NUMBERS = [
  '1e309', '-1e309', '1e-400', '-1e-400', '18446744073709551616', '-9223372036854775809', '9007199254740993',
  '1.7976931348623157e308', '5e-324', '-0', '0.0000000000000000000000000001', `1${'0'.repeat(400)}`, '1E+999999999',
].map((text) => new RawText(text));

/** Strings JSON allows but UTF-8 does not (lone surrogates), and control characters, as JSON text. */
export const AWKWARD_STRINGS = [
  '"\\ud800"', '"\\udfff"', '"a\\ud800b"', '"\\ud800@x.com"', '"x@\\udc00.com"', '"\\udc00\\ud800"', '"\\u0000"', '"a\\u0000b"',
  '"\\u001b[31m"', '"\\r\\n\\t"', '"\\u2028\\u2029"', '"\\ufeff"', '"\\ufffe"', '"\\u202e"', '"\\ud83d\\ude00"', '" "', '""',
].map((text) => new RawText(text));

const controlChar = fc.integer({ min: 0, max: 0x1f }).map((code) => String.fromCharCode(code));
const awkwardText = fc
  .array(fc.oneof(fc.string({ maxLength: 5 }), controlChar, fc.constantFrom('\u2028', '\ufeff', '\u202e', 'é', 'e\u0301', '😀', '\\', '"', '<script>', '%00', '${x}', '{{x}}')), { maxLength: 8 })
  .map((parts) => parts.join(''));

/** Nesting `depth` levels deep, as an array or object chain. */
const deepNesting = fc
  .tuple(fc.integer({ min: 50, max: 6000 }), fc.constantFrom('array', 'object', 'mixed'))
  .map(([depth, shape]) => {
    if (shape === 'array') return new RawText(`${'['.repeat(depth)}${']'.repeat(depth)}`);
    if (shape === 'object') return new RawText(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
    return new RawText(`${'{"a":['.repeat(depth)}${']}'.repeat(depth)}`);
  });

// Past the DTO limits (200, 20,000), and now and then past the 1 MiB body limit.
const longString = fc
  .tuple(
    fc.oneof({ weight: 20, arbitrary: fc.constantFrom(201, 20_001, 70_000) }, { weight: 1, arbitrary: fc.constant(1_100_000) }),
    fc.constantFrom('a', 'é', '😀', ' ', '\u0000'),
  )
  .map(([length, unit]) => unit.repeat(Math.ceil(length / unit.length)));

const prototypeKeyed: fc.Arbitrary<RawJson> = fc
  .tuple(fc.constantFrom(...PROTOTYPE_NAMES), fc.jsonValue({ maxDepth: 1 }) as fc.Arbitrary<RawJson>)
  .map(([key, value]) => new RawEntries([[key, value]]));

/** Values of any type but the right one, and the classic troublemakers. */
export const nastyValue: fc.Arbitrary<RawJson> = fc.oneof(
  fc.constantFrom<RawJson>(null, true, false, 0, -1, 1.5, '', [], {}, ['a'], [{}], [[]], 'true', '1'),
  fc.constantFrom(...EXTREME_NUMBERS),
  fc.constantFrom(...AWKWARD_STRINGS),
  awkwardText,
  longString,
  prototypeKeyed,
  deepNesting,
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<RawJson>,
  fc.array(fc.jsonValue({ maxDepth: 1 }) as fc.Arbitrary<RawJson>, { maxLength: 4 }),
  fc.integer({ min: 1000, max: 20_000 }).map((length) => Array.from({ length }, () => ({ asset: 'BTC' }))),
);

/** A valid value of `schema`, as far as the document describes validity. */
export function validValue(schema: Schema): fc.Arbitrary<RawJson> {
  if (schema.enum !== undefined && schema.enum.length > 0) return fc.constantFrom(...(schema.enum as RawJson[]));
  switch (schema.type) {
    case 'object':
      return validObject(schema);
    case 'array':
      return fc.array(validValue(schema.items ?? {}), { maxLength: 3 });
    case 'integer':
      return fc.integer({ min: 0, max: 1000 });
    case 'number':
      return fc.double({ min: 0, max: 1000, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'string': {
      if (schema.format === 'uuid') return fc.oneof(fc.constant(EXISTING_ID), fc.uuid());
      const free = fc.string({ minLength: Math.max(schema.minLength ?? 0, 1), maxLength: Math.min(schema.maxLength ?? 40, 40) });
      return schema.example === undefined ? free : fc.oneof({ weight: 3, arbitrary: fc.constant(schema.example as string) }, { weight: 1, arbitrary: free });
    }
    default:
      return fc.jsonValue({ maxDepth: 1 }) as fc.Arbitrary<RawJson>;
  }
}

/**
 * Required properties always, optional ones sometimes. A property named after an enum value of a
 * sibling (`channel: web_form` → `webForm`) is that value's companion: sent with it and only with it.
 */
function validObject(schema: Schema): fc.Arbitrary<RawJson> {
  const properties = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const selector = Object.entries(properties).find(([, property]) =>
    property.enum?.some((value) => typeof value === 'string' && camelCase(value) in properties && !required.has(camelCase(value))),
  );
  const companions = new Set((selector?.[1].enum ?? []).map((value) => camelCase(String(value))).filter((name) => name in properties));
  const choice = selector ? fc.constantFrom(...(selector[1].enum as string[])) : fc.constant(undefined);
  return choice.chain((selected) => {
    const fields = Object.entries(properties)
      .filter(([name]) => !companions.has(name) || (selected !== undefined && camelCase(selected) === name))
      .map(([name, property]) => {
        const value = selector && name === selector[0] ? fc.constant(selected as RawJson) : validValue(property);
        const mandatory = required.has(name) || companions.has(name);
        return mandatory ? value.map((v) => [[name, v] as const]) : fc.option(value, { nil: undefined, freq: 2 }).map((v) => (v === undefined ? [] : [[name, v] as const]));
      });
    return fc.tuple(...fields).map((members) => new RawEntries(members.flat()) as RawJson);
  });
}

/** The value at `path` (object keys), replaced by whatever `replace` gives; `undefined` removes it. */
function replaceAt(value: RawJson, path: readonly string[], replace: (current: RawJson | undefined) => RawJson | undefined): RawJson {
  if (!(value instanceof RawEntries)) return path.length === 0 ? (replace(value) ?? null) : value;
  const [head, ...rest] = path;
  if (head === undefined) return replace(value) ?? null;
  const entries = value.entries.flatMap(([key, member]) => {
    if (key !== head) return [[key, member] as const];
    const next = rest.length === 0 ? replace(member) : replaceAt(member, rest, replace);
    return next === undefined ? [] : [[key, next] as const];
  });
  return new RawEntries(entries);
}

function pathsOf(value: RawJson, prefix: readonly string[] = []): string[][] {
  if (!(value instanceof RawEntries)) return [];
  return value.entries.flatMap(([key, member]) => [[...prefix, key], ...pathsOf(member, [...prefix, key])]);
}

/** One thing wrong with a valid value: a field of the wrong kind, missing, repeated, or an extra key. */
function nearValid(valid: RawJson): fc.Arbitrary<RawJson> {
  const paths = pathsOf(valid);
  const objectPaths = [[], ...paths.filter((path) => pathsOf(valid).some((other) => other.length === path.length + 1 && path.every((key, index) => other[index] === key)))];
  const wrongField = paths.length === 0 ? fc.constant(valid) : fc.tuple(fc.constantFrom(...paths), nastyValue).map(([path, nasty]) => replaceAt(valid, path, () => nasty));
  const missingField = paths.length === 0 ? fc.constant(valid) : fc.constantFrom(...paths).map((path) => replaceAt(valid, path, () => undefined));
  const extraKey = fc
    .tuple(fc.constantFrom(...objectPaths), fc.oneof(fc.constantFrom(...PROTOTYPE_NAMES), fc.string({ maxLength: 12 }), fc.constantFrom('status', 'id', 'customerId', 'extra')), fc.oneof(nastyValue, fc.constant<RawJson>('x')))
    .map(([path, key, extra]) => replaceAt(valid, path, (current) => (current instanceof RawEntries ? new RawEntries([...current.entries, [key, extra]]) : current)));
  const duplicateKey = paths.length === 0 ? fc.constant(valid) : fc
    .tuple(fc.constantFrom(...paths), nastyValue, fc.boolean())
    .map(([path, other, before]) => {
      const parent = path.slice(0, -1);
      const key = path[path.length - 1];
      return replaceAt(valid, parent, (current) =>
        current instanceof RawEntries ? new RawEntries(before ? [[key, other], ...current.entries] : [...current.entries, [key, other]]) : current,
      );
    });
  return fc.oneof(wrongField, missingField, extraKey, duplicateKey);
}

/** Wraps a body in more of itself: the request is otherwise valid but nested deeper than any DTO. */
const nestedObject = fc.tuple(validValue({ type: 'object' }), deepNesting).map(([, deep]) => deep);

/** JSON text (or not-quite JSON) for a route whose request body is `schema` (none: any body at all). */
export function bodyText(schema: Schema | undefined): fc.Arbitrary<string | undefined> {
  const valid: fc.Arbitrary<RawJson> = schema ? validValue(schema) : fc.constantFrom<RawJson>(new RawEntries([]), new RawEntries([['status', 'closed']]), new RawEntries([['reason', 'x']]));
  const structured = fc.oneof(
    { weight: 3, arbitrary: valid },
    { weight: 6, arbitrary: valid.chain(nearValid) },
    { weight: 2, arbitrary: nastyValue },
    { weight: 1, arbitrary: nestedObject },
    { weight: 1, arbitrary: fc.array(valid, { minLength: 1, maxLength: 3 }) },
  );
  return fc.oneof(
    { weight: 120, arbitrary: structured.map(renderRawJson) },
    { weight: 10, arbitrary: fc.constant(undefined) },
    { weight: 10, arbitrary: fc.constantFrom('', '{', '{"body":', '[', 'nul', '{"a":1,}', "{'a':1}", '{"a":1}{"b":2}', '\ufeff{}', '{"body":"a\u0000"}', '{"body":"\u0001"}', ' ', 'NaN', 'Infinity') },
    { weight: 10, arbitrary: fc.string({ maxLength: 100 }) },
    // Past the 1 MiB body limit.
    { weight: 1, arbitrary: fc.constant(`{"body":"${'a'.repeat(1_100_000)}"}`) },
  );
}
