import type { OpenAPIObject } from '@nestjs/swagger';
import type { HeaderObject, OperationObject, ParameterObject, ReferenceObject, ResponseObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { PROBLEM_MEANINGS, problemContent } from './api-problems.decorator';
import { OPERATION_NAME } from './operation.decorator';

/** Marks an operation that needs no token (set by `@Public()`); replaced by `security: []`. */
export const PUBLIC_EXTENSION = 'x-public';
/** The roles an operation allows (set by `@Roles()`); kept in the document for generators and gateways. */
export const ROLES_EXTENSION = 'x-roles';

export type ApiConventionOptions = Readonly<{
  /** Whether the rate limits apply to a path (everything but probes, scrapes and the docs). */
  isRateLimited: (path: string) => boolean;
}>;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const BODY_METHODS: ReadonlySet<string> = new Set(['post', 'put', 'patch', 'delete']);

const header = (description: string, schema: HeaderObject['schema'], required = false): HeaderObject => ({ description, required, schema });

/** Response headers, shared by reference. */
const HEADERS: Readonly<Record<string, HeaderObject>> = {
  RateLimit: header('Remaining budget of the rate limit that applied: `"<budget>";r=<remaining>;t=<seconds to reset>` (draft-ietf-httpapi-ratelimit-headers). Absent when rate limits are disabled.', { type: 'string', maxLength: 256 }),
  'RateLimit-Policy': header('The rate limit that applied: `"<budget>";q=<requests>;w=<window seconds>`. Absent when rate limits are disabled.', { type: 'string', maxLength: 256 }),
  'Retry-After': header('Seconds to wait before retrying', { type: 'integer', format: 'int32', minimum: 0, maximum: 2_147_483_647 }, true),
  'Access-Control-Allow-Origin': header('Present for a cross-origin request from one of TICKETING_CORS_ORIGINS', { type: 'string', maxLength: 2048 }),
  'WWW-Authenticate': header('The bearer challenge', { type: 'string', maxLength: 256 }, true),
  'X-Correlation-Id': header('The request’s correlation id (the one sent, or a new one): quote it when reporting a problem', { type: 'string', maxLength: 128 }),
};

const ref = (name: keyof typeof HEADERS): ReferenceObject => ({ $ref: `#/components/headers/${name}` });

const isReference = (value: unknown): value is ReferenceObject => typeof value === 'object' && value !== null && '$ref' in value;

/** The problem statuses every operation of this shape can answer. */
function conventionalProblems(path: string, method: string, operation: OperationObject, secured: boolean, limited: boolean): number[] {
  const parameters = (operation.parameters ?? []).filter((parameter): parameter is ParameterObject => !isReference(parameter));
  const statuses: number[] = [];
  if (parameters.length > 0 || operation.requestBody !== undefined || BODY_METHODS.has(method)) statuses.push(400);
  if (secured) statuses.push(401, 403);
  if (path.includes('{')) statuses.push(404);
  if (parameters.some((parameter) => parameter.in === 'header' && parameter.name.toLowerCase() === 'idempotency-key')) statuses.push(409, 422);
  // Every write's body is read and parsed, even an action's that takes none.
  if (BODY_METHODS.has(method)) statuses.push(413, 415);
  if (limited) statuses.push(429);
  statuses.push(500);
  return statuses;
}

/**
 * The API conventions every context gets by construction, applied to the generated document:
 * every problem status an operation can answer documented as `application/problem+json`
 * (400 with parameters or a body, 401/403 unless public, 404 with a path id, 409/422 with
 * Idempotency-Key, 413/415 on writes, 429 where rate limits apply, 500 everywhere); rate-limit and
 * correlation headers on every response; public operations with `security: []`; the roles of
 * `@Roles` in `x-roles` and the description; a sentence on body-less actions; the server; every
 * tag declared. Every operation must be named by `@Operation`, uniquely.
 */
export function applyApiConventions(document: OpenAPIObject, options: ApiConventionOptions): OpenAPIObject {
  const seenIds = new Map<string, string>();
  const tags = new Set<string>();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method] as (OperationObject & Record<string, unknown>) | undefined;
      if (operation === undefined) continue;
      const where = `${method.toUpperCase()} ${path}`;
      const name = operation.operationId ?? '';
      if (!OPERATION_NAME.test(name)) {
        throw new Error(`${where} (${name}) has no operation name: decorate it with @Operation('verbResource', …) (docs/api-conventions.md)`);
      }
      const earlier = seenIds.get(name);
      if (earlier !== undefined) throw new Error(`operationId ${name} of ${where} is also ${earlier}'s`);
      seenIds.set(name, where);
      for (const tag of operation.tags ?? []) tags.add(tag);

      const secured = operation[PUBLIC_EXTENSION] !== true;
      delete operation[PUBLIC_EXTENSION];
      if (!secured) operation.security = [];
      const sentences: string[] = [];
      const roles = operation[ROLES_EXTENSION];
      if (Array.isArray(roles)) sentences.push(`Roles: ${roles.join(', ')}.`);
      if (BODY_METHODS.has(method) && operation.requestBody === undefined) sentences.push('Takes no request body: send none, an empty one or `{}`.');
      if (sentences.length > 0) operation.description = [operation.description, ...sentences].filter(Boolean).join(' ');

      const limited = options.isRateLimited(path);
      for (const status of conventionalProblems(path, method, operation, secured, limited)) {
        operation.responses[status] ??= { description: PROBLEM_MEANINGS[status] ?? 'Error' };
      }
      for (const [status, response] of Object.entries(operation.responses)) {
        if (response === undefined || isReference(response)) continue;
        const code = Number(status);
        decorateResponse(response, code, limited);
      }
    }
  }
  document.components = { ...document.components, headers: { ...document.components?.headers, ...HEADERS } };
  document.tags = [...(document.tags ?? []), ...[...tags].filter((name) => !document.tags?.some((tag) => tag.name === name)).map((name) => ({ name }))];
  return document;
}

function decorateResponse(response: ResponseObject, status: number, limited: boolean): void {
  if (status >= 400) response.content ??= problemContent();
  const headers: Record<string, ReferenceObject | HeaderObject> = {
    ...response.headers,
    'X-Correlation-Id': ref('X-Correlation-Id'),
    'Access-Control-Allow-Origin': ref('Access-Control-Allow-Origin'),
  };
  if (limited) Object.assign(headers, { RateLimit: ref('RateLimit'), 'RateLimit-Policy': ref('RateLimit-Policy') });
  if (status === 429) headers['Retry-After'] = ref('Retry-After');
  if (status === 401) headers['WWW-Authenticate'] = ref('WWW-Authenticate');
  response.headers = headers;
}
