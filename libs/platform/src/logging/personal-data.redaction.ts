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
const PERSON_HOLDERS = ['customer', 'requester', 'contact', 'reporter'] as const;

// pino-http's request/response serializers put these at fixed places.
const TRANSPORT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-forwarded-for"]',
  'req.headers["x-real-ip"]',
  'req.remoteAddress',
  'res.headers["set-cookie"]',
];

const MAX_DEPTH = 3;

const atAnyDepth = (path: string): string[] =>
  Array.from({ length: MAX_DEPTH + 1 }, (_, depth) => [...Array<string>(depth).fill('*'), path].join('.'));

/** pino `redact.paths`: transport headers plus every personal field up to four levels deep. */
export const REDACT_PATHS: readonly string[] = [
  ...TRANSPORT_PATHS,
  ...REDACTED_FIELDS.flatMap(atAnyDepth),
  ...PERSON_HOLDERS.flatMap((holder) => atAnyDepth(`${holder}.name`)),
];

export const REDACTED = '[redacted]';
