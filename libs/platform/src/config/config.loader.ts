import { isIP } from 'node:net';
import { join } from 'node:path';
import { ConfigError, type ConfigProblem } from './config.error';
import { kafkaSecurityFrom } from './kafka-security.config';
import {
  KAFKA_TOPIC_MODES,
  LOG_FORMATS,
  LOG_LEVELS,
  type KafkaTopicMode,
  type AuthConfig,
  type BusConfig,
  type EventStoreConfig,
  type LogFormat,
  type LogLevel,
  type RatePolicy,
  type KeyStoreConfig,
  type ReadStoreConfig,
  type TicketingConfig,
  type TrustProxyConfig,
} from './ticketing-config';

const MAX_BODY_LIMIT = 1024 * 1024 * 1024;
const DEFAULT_BODY_LIMIT = 1024 * 1024;
const MAX_RATE_POINTS = 1_000_000;
const perMinute = (points: number): RatePolicy => ({ points, windowSeconds: 60 });

const ALLOWED = {
  dataDir: 'a directory path',
  eventStore: '"sqlite:<file>", "memory:", "esdb://…", "esdb+discover://…", "kurrentdb://…" or "kurrentdb+discover://…"',
  bus: '"embedded", "kafka://host:port[,host:port…]" or "kafkas://host:port[,host:port…]" (TLS)',
  readStore: '"sqlite:<file>", "memory:" or "postgres://…" / "postgresql://…"',
  keyStore: '"sqlite:<file>", "memory:" or "postgres://…" / "postgresql://…"',
  port: 'an integer from 0 to 65535',
  jwksUrl: 'an http:// or https:// URL',
  nonEmpty: 'a non-empty string',
  logLevel: `one of ${LOG_LEVELS.join(', ')}`,
  bodyLimit: `an integer number of bytes from 1 to ${MAX_BODY_LIMIT}`,
  reopenWindowDays: 'an integer number of days from 0 to 365',
  autoCloseHours: 'an integer number of hours from 1 to 8760',
  idempotencyRetentionHours: 'an integer number of hours from 1 to 8760',
  jwtMaxLifetime: 'an integer number of seconds from 60 to 31536000',
  corsOrigins: 'comma-separated origins like https://desk.example.com (scheme, host and optional port), or * alone',
  trustProxy: '"false", a number of proxy hops from 1 to 10, or comma-separated proxy addresses or CIDRs (10.0.0.0/8, fd00::/8) and the names loopback, linklocal, uniquelocal',
  boolean: '"true" or "false"',
  logFormat: `one of ${LOG_FORMATS.join(', ')}`,
  switch: '"on" or "off"',
  rate: `"<count>/<s|min|h>" or a plain count per minute, the count from 1 to ${MAX_RATE_POINTS}`,
  streamsPerActor: 'an integer from 1 to 100000',
  streamsTotal: 'an integer from 1 to 1000000',
  heartbeatSeconds: 'an integer number of seconds from 1 to 3600',
  kafkaTopics: `one of ${KAFKA_TOPIC_MODES.join(', ')}`,
  partitions: 'an integer from 1 to 10000',
  replicationFactor: 'an integer from 1 to 32767',
  relayMaxLag: 'an integer number of events from 1 to 1000000000',
  connectionAge: 'an integer number of milliseconds from 0 (unlimited) to 86400000',
  connectionAgeGrace: 'an integer number of milliseconds from 0 to 3600000',
} as const;

/**
 * Reads and validates the environment (docs/architecture.md §9). Throws ConfigError naming every bad
 * variable and what it allows; empty values count as unset.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): TicketingConfig {
  const problems: ConfigProblem[] = [];
  const read = <T>(variable: string, allowed: string, fallback: T, parse: (raw: string) => T | undefined): T => {
    const raw = env[variable];
    if (raw === undefined || raw === '') return fallback;
    const parsed = parse(raw);
    if (parsed === undefined) {
      problems.push({ variable, value: raw, allowed });
      return fallback;
    }
    return parsed;
  };

  const dataDir = read('TICKETING_DATA_DIR', ALLOWED.dataDir, './data', (raw) => (raw.includes('\0') ? undefined : raw));
  const eventStore = read<EventStoreConfig>(
    'TICKETING_EVENT_STORE',
    ALLOWED.eventStore,
    { kind: 'sqlite', file: join(dataDir, 'events.db') },
    parseEventStore,
  );
  const busUrl = read<ParsedBus>('TICKETING_BUS', ALLOWED.bus, { kind: 'embedded' }, parseBus);
  const kafkaSecurity = kafkaSecurityFrom(env, busUrl, problems);
  const bus: BusConfig = busUrl.kind === 'kafka' ? { kind: 'kafka', brokers: busUrl.brokers, ...kafkaSecurity, ...(busUrl.tls && { tls: kafkaSecurity.tls ?? {} }) } : { kind: 'embedded' };
  const readStore = read<ReadStoreConfig>(
    'TICKETING_READ_STORE',
    ALLOWED.readStore,
    { kind: 'sqlite', file: join(dataDir, 'read.db') },
    parseReadStore,
  );
  // Keys live as long as the events they open: in memory only beside a memory event store.
  const keyStore = read<KeyStoreConfig>(
    'TICKETING_KEY_STORE',
    ALLOWED.keyStore,
    eventStore.kind === 'memory' ? { kind: 'memory' } : { kind: 'sqlite', file: join(dataDir, 'keys.db') },
    parseReadStore,
  );
  const httpPort = read('TICKETING_HTTP_PORT', ALLOWED.port, 3000, parsePort);
  const grpcPort = read('TICKETING_GRPC_PORT', ALLOWED.port, 50051, parsePort);
  const grpcConnectionAge = {
    maxAgeMs: read('TICKETING_GRPC_MAX_CONNECTION_AGE_MS', ALLOWED.connectionAge, 300_000, (raw) => parseIntegerInRange(raw, 0, 86_400_000)),
    graceMs: read('TICKETING_GRPC_MAX_CONNECTION_AGE_GRACE_MS', ALLOWED.connectionAgeGrace, 30_000, (raw) => parseIntegerInRange(raw, 0, 3_600_000)),
  };
  const jwksUrl = read<string | undefined>('TICKETING_JWKS_URL', ALLOWED.jwksUrl, undefined, parseHttpUrl);
  const issuer = read<string | undefined>('TICKETING_JWT_ISSUER', ALLOWED.nonEmpty, undefined, parseNonBlank);
  const audience = read<string | undefined>('TICKETING_JWT_AUDIENCE', ALLOWED.nonEmpty, undefined, parseNonBlank);
  const maxLifetimeSeconds = read('TICKETING_JWT_MAX_LIFETIME', ALLOWED.jwtMaxLifetime, 86_400, (raw) => parseIntegerInRange(raw, 60, 31_536_000));
  const logLevel = read<LogLevel>('LOG_LEVEL', ALLOWED.logLevel, 'info', (raw) =>
    LOG_LEVELS.find((level) => level === raw),
  );
  const logFormat = read<LogFormat>('LOG_FORMAT', ALLOWED.logFormat, 'auto', (raw) => LOG_FORMATS.find((format) => format === raw));
  const corsOrigins = read<readonly string[]>('TICKETING_CORS_ORIGINS', ALLOWED.corsOrigins, [], parseCorsOrigins);
  const trustProxy = read<TrustProxyConfig>('TICKETING_TRUST_PROXY', ALLOWED.trustProxy, false, parseTrustProxy);
  const protectOpsRoutes = read('TICKETING_PROTECT_OPS_ROUTES', ALLOWED.boolean, false, parseBoolean);
  const httpBodyLimit = read('TICKETING_HTTP_BODY_LIMIT', ALLOWED.bodyLimit, DEFAULT_BODY_LIMIT, (raw) =>
    parseIntegerInRange(raw, 1, MAX_BODY_LIMIT),
  );

  const reopenWindowDays = read('TICKETING_REOPEN_WINDOW_DAYS', ALLOWED.reopenWindowDays, 7, (raw) => parseIntegerInRange(raw, 0, 365));
  const autoCloseHours = read('TICKETING_AUTO_CLOSE_HOURS', ALLOWED.autoCloseHours, 72, (raw) => parseIntegerInRange(raw, 1, 8760));
  const idempotencyRetentionHours = read('TICKETING_IDEMPOTENCY_KEY_RETENTION_HOURS', ALLOWED.idempotencyRetentionHours, 24, (raw) => parseIntegerInRange(raw, 1, 8760));

  const rateLimitsOn = read('TICKETING_RATE_LIMITS', ALLOWED.switch, true, (raw) => (raw === 'on' ? true : raw === 'off' ? false : undefined));
  const rate = (variable: string, fallback: RatePolicy) => read(variable, ALLOWED.rate, fallback, parseRatePolicy);
  const rateLimits = {
    enabled: rateLimitsOn,
    customerWrites: rate('TICKETING_RATE_LIMIT_CUSTOMER_WRITES', perMinute(60)),
    staffWrites: rate('TICKETING_RATE_LIMIT_STAFF_WRITES', perMinute(600)),
    reads: rate('TICKETING_RATE_LIMIT_READS', perMinute(600)),
    streams: rate('TICKETING_RATE_LIMIT_STREAMS', perMinute(30)),
    anonymous: rate('TICKETING_RATE_LIMIT_ANONYMOUS', perMinute(60)),
  };
  const streams = {
    perActor: read('TICKETING_STREAMS_PER_ACTOR', ALLOWED.streamsPerActor, 5, (raw) => parseIntegerInRange(raw, 1, 100_000)),
    total: read('TICKETING_STREAMS_TOTAL', ALLOWED.streamsTotal, 1000, (raw) => parseIntegerInRange(raw, 1, 1_000_000)),
    heartbeatMs: read('TICKETING_SSE_HEARTBEAT_SECONDS', ALLOWED.heartbeatSeconds, 15, (raw) => parseIntegerInRange(raw, 1, 3600)) * 1000,
  };

  const replicationFactor = read<number | undefined>('TICKETING_KAFKA_REPLICATION_FACTOR', ALLOWED.replicationFactor, undefined, (raw) =>
    parseIntegerInRange(raw, 1, 32_767),
  );
  const kafkaTopics = {
    mode: read<KafkaTopicMode>('TICKETING_KAFKA_TOPICS', ALLOWED.kafkaTopics, 'create', (raw) => KAFKA_TOPIC_MODES.find((mode) => mode === raw)),
    partitions: read('TICKETING_KAFKA_TOPIC_PARTITIONS', ALLOWED.partitions, 12, (raw) => parseIntegerInRange(raw, 1, 10_000)),
    deadLetterPartitions: read('TICKETING_KAFKA_DLQ_PARTITIONS', ALLOWED.partitions, 3, (raw) => parseIntegerInRange(raw, 1, 10_000)),
    ...(replicationFactor !== undefined && { replicationFactor }),
  };
  const kbStarter = read('TICKETING_KB_STARTER', ALLOWED.switch, true, (raw) => (raw === 'on' ? true : raw === 'off' ? false : undefined));
  const otlpEndpoint =
    read<string | undefined>('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', ALLOWED.jwksUrl, undefined, parseHttpUrl) ??
    read<string | undefined>('OTEL_EXPORTER_OTLP_ENDPOINT', ALLOWED.jwksUrl, undefined, parseHttpUrl);
  const otelServiceName = read<string | undefined>('OTEL_SERVICE_NAME', ALLOWED.nonEmpty, undefined, parseNonBlank);
  const tracing = { ...(otlpEndpoint !== undefined && { otlpEndpoint }), ...(otelServiceName !== undefined && { serviceName: otelServiceName }) };
  const relayMaxLag = read('TICKETING_RELAY_MAX_LAG', ALLOWED.relayMaxLag, 10_000, (raw) => parseIntegerInRange(raw, 1, 1_000_000_000));

  if (problems.length > 0) throw new ConfigError(problems);

  const claims = { ...(issuer && { issuer }), ...(audience && { audience }), maxLifetimeSeconds };
  const auth: AuthConfig = jwksUrl ? { kind: 'jwks', jwksUrl, ...claims } : { kind: 'dev-secret', ...claims };
  const tickets = { reopenWindowMs: reopenWindowDays * 86_400_000, autoCloseAfterMs: autoCloseHours * 3_600_000 };
  return {
    dataDir,
    eventStore,
    bus,
    readStore,
    keyStore,
    httpPort,
    grpcPort,
    grpcConnectionAge,
    auth,
    logLevel,
    logFormat,
    httpBodyLimit,
    corsOrigins,
    trustProxy,
    protectOpsRoutes,
    tickets,
    idempotency: { retentionMs: idempotencyRetentionHours * 3_600_000 },
    rateLimits,
    streams,
    kafkaTopics,
    relayMaxLag,
    tracing,
    kbStarter,
  };
}

/** Start-up guard: on a bad configuration, print every problem to stderr and exit 1. */
export function assertConfigOrExit(
  env: NodeJS.ProcessEnv = process.env,
  io: Readonly<{ stderr: Pick<NodeJS.WriteStream, 'write'>; exit: (code: number) => never }> = process,
): TicketingConfig {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr.write(`${error.message}\n`);
    return io.exit(1);
  }
}

const KURRENT_SCHEMES = ['esdb://', 'esdb+discover://', 'kurrentdb://', 'kurrentdb+discover://'];

function parseEventStore(raw: string): EventStoreConfig | undefined {
  if (raw === 'memory:') return { kind: 'memory' };
  const sqlite = parseSqlite(raw);
  if (sqlite) return sqlite;
  const scheme = KURRENT_SCHEMES.find((s) => raw.startsWith(s));
  // The client parses the rest (hosts, tls, node preference); only reject what cannot be one.
  return scheme && raw.length > scheme.length && !/\s/.test(raw) ? { kind: 'kurrentdb', connectionString: raw } : undefined;
}

function parseReadStore(raw: string): ReadStoreConfig | undefined {
  if (raw === 'memory:') return { kind: 'memory' };
  const sqlite = parseSqlite(raw);
  if (sqlite) return sqlite;
  if (!/^postgres(ql)?:\/\//.test(raw)) return undefined;
  return URL.canParse(raw) ? { kind: 'postgres', connectionString: raw } : undefined;
}

function parseSqlite(raw: string): { kind: 'sqlite'; file: string } | undefined {
  if (!raw.startsWith('sqlite:')) return undefined;
  const file = raw.slice('sqlite:'.length);
  return file.trim() === '' || file.includes('\0') ? undefined : { kind: 'sqlite', file };
}

const BROKER = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$/;

type ParsedBus = Readonly<{ kind: 'embedded' }> | Readonly<{ kind: 'kafka'; brokers: readonly string[]; tls: boolean }>;

function parseBus(raw: string): ParsedBus | undefined {
  if (raw === 'embedded') return { kind: 'embedded' };
  const scheme = ['kafka://', 'kafkas://'].find((prefix) => raw.startsWith(prefix));
  if (scheme === undefined) return undefined;
  const brokers = raw.slice(scheme.length).split(',');
  const valid = brokers.every((broker) => {
    const port = BROKER.exec(broker)?.[1];
    return port !== undefined && Number(port) >= 1 && Number(port) <= 65535;
  });
  return valid ? { kind: 'kafka', brokers, tls: scheme === 'kafkas://' } : undefined;
}

function parsePort(raw: string): number | undefined {
  return parseIntegerInRange(raw, 0, 65535);
}

function parseIntegerInRange(raw: string, min: number, max: number): number | undefined {
  if (!/^\d{1,10}$/.test(raw)) return undefined;
  const value = Number(raw);
  return value >= min && value <= max ? value : undefined;
}

const RATE_WINDOWS: Readonly<Record<string, number>> = { s: 1, min: 60, h: 3600 };

function parseRatePolicy(raw: string): RatePolicy | undefined {
  const match = /^(\d{1,7})(?:\/(s|min|h))?$/.exec(raw);
  if (!match) return undefined;
  const points = Number(match[1]);
  if (points < 1 || points > MAX_RATE_POINTS) return undefined;
  return { points, windowSeconds: RATE_WINDOWS[match[2] ?? 'min'] };
}

function parseHttpUrl(raw: string): string | undefined {
  if (!URL.canParse(raw)) return undefined;
  const url = new URL(raw);
  return url.protocol === 'https:' || url.protocol === 'http:' ? url.toString() : undefined;
}

function parseBoolean(raw: string): boolean | undefined {
  if (raw === 'true') return true;
  return raw === 'false' ? false : undefined;
}

// Browsers send the Origin header as scheme://host[:port]; anything else could never match it.
function parseCorsOrigins(raw: string): readonly string[] | undefined {
  const origins = raw.split(',').map((origin) => origin.trim());
  if (origins.length === 1 && origins[0] === '*') return origins;
  const valid = origins.every((origin) => {
    if (!URL.canParse(origin)) return false;
    const url = new URL(origin);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === origin;
  });
  return valid ? origins : undefined;
}

const PROXY_ADDRESS_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** An address or CIDR (`10.0.0.0/8`, `fd00::/8`), or one of proxy-addr's names for a range. */
function isProxyAddress(text: string): boolean {
  if (PROXY_ADDRESS_NAMES.has(text)) return true;
  const [address, prefix, ...rest] = text.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128));
}

function parseTrustProxy(raw: string): TrustProxyConfig | undefined {
  if (raw === 'false') return false;
  if (/^\d+$/.test(raw)) return parseIntegerInRange(raw, 1, 10);
  const entries = raw.split(',').map((entry) => entry.trim());
  return entries.every(isProxyAddress) ? entries : undefined;
}

function parseNonBlank(raw: string): string | undefined {
  return raw.trim() === '' ? undefined : raw;
}
