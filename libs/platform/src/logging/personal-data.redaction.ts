import { symbols, type Logger } from 'pino';

/**
 * Field names that hold personal data (or secrets) wherever they sit in a logged object:
 * request headers, command and event payloads. Features should name such fields this way.
 */
export const REDACTED_FIELDS = [
  'email',
  'phone',
  'phoneNumber',
  'fullName',
  'firstName',
  'lastName',
  'customerName',
  'displayName',
  'address',
  'postalAddress',
  'ip',
  'ipAddress',
  'dateOfBirth',
  'body',
  'text',
  'password',
  'secret',
  // Not a bare `token`: on an exchange that is usually an asset (USDT), which support needs to see.
  'accessToken',
  'refreshToken',
  'apiKey',
] as const;

// A bare `name` is too common to redact (err.name, check names); it is personal only under a person.
const PERSON_HOLDERS: ReadonlySet<string> = new Set(['customer', 'requester', 'contact', 'reporter']);

// Credentials and client addresses in logged requests and responses.
const REQUEST_HEADERS: ReadonlySet<string> = new Set(['authorization', 'cookie', 'x-forwarded-for', 'x-real-ip']);
const RESPONSE_HEADERS: ReadonlySet<string> = new Set(['set-cookie']);

export const REDACTED = '[redacted]';

const PERSONAL: ReadonlySet<string> = new Set(REDACTED_FIELDS);

// Query parameters that carry credentials: `?access_token=` (SSE clients cannot set headers), `token`,
// `authorization`, `api_key`, `client_secret`, `password`, `signature`, `jwt`, `session`…
const SECRET_PARAMETER = /token|auth|secret|passw|api[-_]?key|signature|jwt|session|credential/i;

/** The URL with the value of every credential-looking query parameter replaced by REDACTED. */
export function redactUrl(url: string): string {
  const query = url.indexOf('?');
  if (query === -1) return url;
  const parameters = url
    .slice(query + 1)
    .split('&')
    .map((parameter) => {
      const equals = parameter.indexOf('=');
      const rawName = equals === -1 ? parameter : parameter.slice(0, equals);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      } catch {
        // A malformed escape: match on the raw name.
      }
      return equals !== -1 && SECRET_PARAMETER.test(name) ? `${rawName}=${REDACTED}` : parameter;
    });
  return `${url.slice(0, query + 1)}${parameters.join('&')}`;
}

// Wherever a URL is logged (request lines, errors naming a request), its query may hold a token.
const URL_KEYS: ReadonlySet<string> = new Set(['url', 'originalUrl', 'href', 'path']);

// Deeper than any payload we log; it also bounds the walk on a cyclic object.
const MAX_DEPTH = 8;

type Plain = Record<string, unknown>;

const isPlainObject = (value: unknown): value is Plain => {
  if (value === null || typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
};

function redactValue(value: unknown, depth: number, underPerson: boolean): unknown {
  if (depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const redacted = redactValue(value[i], depth + 1, false);
      if (redacted !== value[i]) (copy ??= [...value])[i] = redacted;
    }
    return copy ?? value;
  }
  if (!isPlainObject(value)) return value;
  let copy: Plain | undefined;
  for (const key in value) {
    const field = value[key];
    let redacted: unknown;
    if (PERSONAL.has(key) || (underPerson && key === 'name')) redacted = field === undefined ? field : REDACTED;
    else if (typeof field === 'string' && URL_KEYS.has(key)) redacted = redactUrl(field);
    else if (field !== null && typeof field === 'object') redacted = redactValue(field, depth + 1, PERSON_HOLDERS.has(key));
    else continue;
    if (redacted !== field) (copy ??= { ...value })[key] = redacted;
  }
  return copy ?? value;
}

/**
 * The value with every personal field (REDACTED_FIELDS at any depth, `name` under a person) replaced
 * by REDACTED, and credentials out of the query of every `url`. One walk over plain objects and arrays; what holds nothing personal is returned as is,
 * and the input is never changed (a logged object may be a live command or event). Class instances
 * (requests, errors) are left to their serializers.
 */
export function redactPersonalData<T>(value: T): T {
  return redactValue(value, 0, false) as T;
}

function redactHeaders(headers: unknown, names: ReadonlySet<string>): unknown {
  if (headers === null || typeof headers !== 'object') return headers;
  let copy: Plain | undefined;
  for (const key of Object.keys(headers)) {
    if (names.has(key.toLowerCase())) (copy ??= { ...(headers as Plain) })[key] = REDACTED;
  }
  return copy ?? headers;
}

/** Copies the enumerable fields, own and inherited: pino's serialized requests keep theirs on a prototype. */
const fieldsOf = (value: object): Plain => {
  const fields: Plain = {};
  for (const key in value) fields[key] = (value as Plain)[key];
  return fields;
};

/** pino serializer for `req`: credentials and client addresses out of headers, personal fields out of the rest. */
export function redactRequest(req: unknown): unknown {
  if (req === null || typeof req !== 'object') return req;
  const fields = fieldsOf(req);
  if ('headers' in fields) fields['headers'] = redactHeaders(fields['headers'], REQUEST_HEADERS);
  if ('remoteAddress' in fields && fields['remoteAddress'] !== undefined) fields['remoteAddress'] = REDACTED;
  return redactPersonalData(fields);
}

/** pino serializer for `res`: cookies out of the headers. */
export function redactResponse(res: unknown): unknown {
  if (res === null || typeof res !== 'object') return res;
  const fields = fieldsOf(res);
  if ('headers' in fields) fields['headers'] = redactHeaders(fields['headers'], RESPONSE_HEADERS);
  return fields;
}

// A quick look before the slow path: most child loggers bind nothing personal.
const PERSONAL_KEY = new RegExp(`"(?:${[...REDACTED_FIELDS, 'name', ...URL_KEYS].join('|')})":`);

/**
 * pino `onChild`: a child logger's bindings are serialized once, when it is made, past the `log`
 * formatter; this redacts them the same way, re-serializing only when they name a personal field.
 */
export function redactChildBindings(child: Logger): void {
  const holder = child as unknown as Record<symbol, string>;
  const chindings = holder[symbols.chindingsSym];
  if (typeof chindings !== 'string' || !PERSONAL_KEY.test(chindings)) return;
  const redacted = redactPersonalData(JSON.parse(`{${chindings.slice(1)}}`) as Plain);
  holder[symbols.chindingsSym] = `,${JSON.stringify(redacted).slice(1, -1)}`;
}
