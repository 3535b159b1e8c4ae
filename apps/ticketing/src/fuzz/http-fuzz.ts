import fc from 'fast-check';
import { FUZZ_CALLERS, type FuzzCaller, type FuzzTarget } from './fuzz-target';
import { bodyText, EXISTING_ID, type WriteOperation } from './openapi-body.arbitrary';

/** One generated request, before the target fills in real ticket ids. */
export type HttpFuzzCase = Readonly<{
  operation: WriteOperation;
  caller: FuzzCaller;
  /** `known`: an existing ticket (by `pick`); else a random UUID or something that is no id. */
  pathId: Readonly<{ kind: 'known' | 'random' | 'garbage'; pick: number; value: string }>;
  headers: Readonly<Record<string, string>>;
  body: string | undefined;
}>;

export type HttpFuzzRequest = Readonly<{ method: string; url: string; headers: Record<string, string>; payload?: string }>;
export type HttpFuzzOutcome = Readonly<{
  request: HttpFuzzRequest;
  status: number;
  contentType: string | undefined;
  responseText: string;
  /** Intake events the request appended. */
  appended: number;
  /** The status of reading an opened ticket back (GET as the same caller). */
  readBack?: number;
  correlationId?: string;
}>;

const headerValue = fc.string({ minLength: 1, maxLength: 40, unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)) });
const idempotencyKey = fc.oneof(fc.constantFrom('k-1', 'k-2', 'k-3'), headerValue, fc.constant('k'.repeat(300)), fc.uuid());
// Mostly the JSON the routes take; now and then a media type they do not.
const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON') },
  { weight: 1, arbitrary: fc.constantFrom('application/json; charset=utf-16', 'application/merge-patch+json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x') },
);
const extraHeaders = fc.record(
  {
    'idempotency-key': idempotencyKey,
    'content-type': contentType,
    accept: fc.constantFrom('application/json', 'application/problem+json', 'text/html', '*/*'),
    'accept-language': fc.constantFrom('en', 'zh-CN', '*', 'xx'),
    'x-forwarded-for': fc.constantFrom('10.0.0.1', '::1', 'garbage', '1.2.3.4, 5.6.7.8'),
    'x-extra': headerValue,
  },
  { requiredKeys: [] },
);

const pathId = fc.oneof(
  { weight: 6, arbitrary: fc.nat().map((pick) => ({ kind: 'known' as const, pick, value: '' })) },
  { weight: 1, arbitrary: fc.uuid().map((value) => ({ kind: 'random' as const, pick: 0, value })) },
  { weight: 1, arbitrary: fc.constantFrom('not-a-uuid', '%00', '..', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'a'.repeat(500), '%F0%9F%98%80', '%ED%A0%80').map((value) => ({ kind: 'garbage' as const, pick: 0, value })) },
);

/** Requests to every operation of `operations`, by every kind of caller, with generated bodies and headers. */
export function httpFuzzCase(operations: readonly WriteOperation[]): fc.Arbitrary<HttpFuzzCase> {
  return fc
    .constantFrom(...operations)
    .chain((operation) =>
      fc.record({
        operation: fc.constant(operation),
        caller: fc.constantFrom(...FUZZ_CALLERS),
        pathId,
        headers: extraHeaders,
        body: bodyText(operation.body),
      }),
    );
}

/** The concrete request: real ticket ids in the path and where the body names one. */
export function concreteRequest(target: FuzzTarget, fuzzCase: HttpFuzzCase): HttpFuzzRequest {
  const id = fuzzCase.pathId.kind === 'known' ? target.ticket(fuzzCase.pathId.pick) : fuzzCase.pathId.value;
  const headers: Record<string, string> = { ...target.authorization(fuzzCase.caller), ...fuzzCase.headers };
  if (fuzzCase.body !== undefined) headers['content-type'] ??= 'application/json';
  const payload = fuzzCase.body?.split(EXISTING_ID).join(target.ticket(fuzzCase.pathId.pick + 1));
  return { method: fuzzCase.operation.method, url: fuzzCase.operation.path.replace('{id}', id), headers, payload };
}

/** Sends it and records what came back and what it appended. */
export async function sendHttpCase(target: FuzzTarget, request: HttpFuzzRequest): Promise<HttpFuzzOutcome> {
  const position = await target.headPosition();
  const reply = await target.inject(request);
  // Without a correlation id on the reply, every intake event since is counted: conservative, and exact with one request in flight.
  const correlationId = reply.header('x-correlation-id');
  const appended = (await target.appendedBy(correlationId, position)).length;
  const contentType = reply.header('content-type');
  let readBack: number | undefined;
  if (reply.statusCode === 201 && request.url === '/v1/tickets') {
    const id = (JSON.parse(reply.body) as { id?: unknown }).id;
    if (typeof id === 'string') {
      target.remember(id);
      // What was accepted must read back: a stored shape the read side cannot show is a failure too.
      const authorization = request.headers.authorization;
      readBack = (await target.inject({ method: 'GET', url: `/v1/tickets/${id}`, headers: authorization ? { authorization } : {} })).statusCode;
    }
  }
  return { request, status: reply.statusCode, contentType, responseText: reply.body, appended, readBack, correlationId };
}

/**
 * The oracle: a 2xx, or a 4xx application/problem+json with `type`, `title` and its `status` that
 * appended nothing. Returns what is wrong (a short signature that groups alike failures), or undefined.
 */
export function httpViolation(outcome: HttpFuzzOutcome): string | undefined {
  const { status, contentType, responseText, appended } = outcome;
  if (status >= 200 && status < 300) return outcome.readBack !== undefined && outcome.readBack >= 500 ? `accepted, then GET answers ${outcome.readBack}` : undefined;
  if (status < 400 || status >= 500) return `status ${status}${problemSummary(responseText)}`;
  if (!contentType?.includes('application/problem+json')) return `${status} as ${contentType ?? 'no content type'}${codeOf(responseText)}`;
  let problem: Record<string, unknown>;
  try {
    problem = JSON.parse(responseText) as Record<string, unknown>;
  } catch {
    return `${status} problem body is not JSON`;
  }
  if (typeof problem.type !== 'string' || typeof problem.title !== 'string' || problem.status !== status) return `${status} problem lacks type/title/status`;
  if (appended > 0) return `${status} appended ${appended} event(s)`;
  return undefined;
}

/** The title of a problem body, for the failure signature (its detail varies with the input). */
function problemSummary(text: string): string {
  try {
    return `: ${String((JSON.parse(text) as { title?: unknown }).title ?? '')}`;
  } catch {
    return '';
  }
}

/** The `code` of a framework's own JSON error body (e.g. Fastify's FST_ERR_*). */
function codeOf(text: string): string {
  try {
    const code = (JSON.parse(text) as { code?: unknown }).code;
    return typeof code === 'string' ? ` (${code})` : '';
  } catch {
    return '';
  }
}

/** What to print about a failure: the request (body cut short; `bodyFile` holds all of it) and the reply. */
export function describeHttpFailure(fuzzCase: HttpFuzzCase, outcome: HttpFuzzOutcome, violation: string, bodyFile?: string): string {
  const { request } = outcome;
  const body = request.payload;
  const shown = body === undefined ? '(no body)' : body.length > 300 ? `${JSON.stringify(body.slice(0, 300))}… (${body.length} chars)` : JSON.stringify(body);
  const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, name === 'authorization' ? `Bearer <${fuzzCase.caller} token>` : value]));
  return [
    `violation: ${violation}`,
    `request:   ${request.method} ${request.url}`,
    `headers:   ${JSON.stringify(headers)}`,
    `body:      ${shown} (as a JS string literal)${bodyFile ? `; exact text in ${bodyFile}` : ''}`,
    `reply:     ${outcome.status} ${outcome.contentType ?? ''} ${outcome.responseText.slice(0, 300)}`,
  ].join('\n');
}
