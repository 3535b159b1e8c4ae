import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type MediaType = { schema?: Json };
type Header = { required?: boolean; schema?: Json } | { $ref: string };
type Response = { content?: Record<string, MediaType>; headers?: Record<string, Header> };
type Operation = { responses: Record<string, Response> };
type Document = { paths: Record<string, Record<string, Operation>>; components?: { headers?: Record<string, Header> } };

/** A response as the test saw it. */
export type ObservedResponse = Readonly<{ method: string; url: string; status: number; contentType: string | null; body: unknown; headers: Headers }>;

const DOCUMENT_ID = 'openapi.json';

/** OpenAPI 3.0's `nullable` as JSON Schema: the schema, or null. */
function toJsonSchema(value: Json): Json {
  if (Array.isArray(value)) return value.map(toJsonSchema);
  if (value === null || typeof value !== 'object') return value;
  const converted = Object.fromEntries(Object.entries(value).map(([key, member]) => [key, toJsonSchema(member)]));
  if (converted.nullable !== true) return converted;
  delete converted.nullable;
  return { anyOf: [converted, { type: 'null' }] };
}

const escapePointer = (segment: string): string => segment.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Checks live responses against an OpenAPI 3.0 document: the status must be documented for the
 * operation, the media type declared, a JSON body valid against its schema (Ajv), and required
 * headers present. Requests outside the document (unknown routes, /metrics, /docs) are not checked.
 */
export class OpenApiResponseValidator {
  private readonly ajv: Ajv;
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly routes: readonly Readonly<{ template: string; pattern: RegExp }>[];

  constructor(private readonly document: Document) {
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addFormat('int32', { type: 'number', validate: (value: number) => Number.isInteger(value) && Math.abs(value) <= 2 ** 31 });
    this.ajv.addFormat('int64', { type: 'number', validate: (value: number) => Number.isInteger(value) });
    this.ajv.addSchema(toJsonSchema(document as unknown as Json) as object, DOCUMENT_ID);
    // Literal segments before templated ones, so `/tickets/{id}` never shadows a literal path.
    this.routes = Object.keys(document.paths)
      .map((template) => ({ template, pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`) }))
      .sort((a, b) => a.template.split('{').length - b.template.split('{').length);
  }

  /** What is wrong with `response`, or an empty list. */
  problems(response: ObservedResponse): string[] {
    const path = new URL(response.url, 'http://localhost').pathname;
    const route = this.routes.find(({ pattern }) => pattern.test(path));
    const method = response.method.toLowerCase();
    const operation = route && this.document.paths[route.template][method];
    if (route === undefined || operation === undefined) return [];
    const where = `${response.method} ${route.template} → ${response.status}`;
    const documented = operation.responses[String(response.status)] ?? operation.responses[`${String(response.status)[0]}XX`] ?? operation.responses.default;
    if (documented === undefined) return [`${where}: status not documented (documented: ${Object.keys(operation.responses).join(', ')})`];
    const problems = this.headerProblems(documented, response.headers).map((problem) => `${where}: ${problem}`);
    const mediaType = response.contentType?.split(';')[0].trim().toLowerCase();
    const hasBody = response.body !== undefined && response.body !== '';
    if (!hasBody) return problems;
    if (mediaType === undefined || documented.content?.[mediaType] === undefined) {
      return [...problems, `${where}: content type ${mediaType ?? '(none)'} not documented (documented: ${Object.keys(documented.content ?? {}).join(', ') || 'no body'})`];
    }
    if (!mediaType.endsWith('json') || documented.content[mediaType].schema === undefined) return problems;
    const pointer = ['paths', route.template, method, 'responses', String(response.status), 'content', mediaType, 'schema'].map((segment) => encodeURIComponent(escapePointer(segment))).join('/');
    const validate = this.validatorFor(`${DOCUMENT_ID}#/${pointer}`);
    if (!validate(response.body)) {
      problems.push(`${where}: body does not match the schema: ${this.ajv.errorsText(validate.errors, { dataVar: 'body' })}`);
    }
    return problems;
  }

  private validatorFor(ref: string): ValidateFunction {
    let validate = this.validators.get(ref);
    if (validate === undefined) {
      validate = this.ajv.compile({ $ref: ref });
      this.validators.set(ref, validate);
    }
    return validate;
  }

  private headerProblems(response: Response, headers: Headers): string[] {
    return Object.entries(response.headers ?? {})
      .map(([name, header]) => [name, '$ref' in header ? this.document.components?.headers?.[header.$ref.split('/').pop() ?? ''] : header] as const)
      .filter(([name, header]) => header !== undefined && !('$ref' in header) && header.required === true && !headers.has(name))
      .map(([name]) => `required header ${name} missing`);
  }
}
