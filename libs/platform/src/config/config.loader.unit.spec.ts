import { ConfigError } from './config.error';
import { assertConfigOrExit, loadConfig } from './config.loader';

const problemsFor = (env: NodeJS.ProcessEnv) => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('loadConfig', () => {
  it('defaults to the embedded setup under ./data', () => {
    expect(loadConfig({})).toEqual({
      dataDir: './data',
      eventStore: { kind: 'sqlite', file: 'data/events.db' },
      bus: { kind: 'embedded' },
      readStore: { kind: 'sqlite', file: 'data/read.db' },
      keyStore: { kind: 'sqlite', file: 'data/keys.db' },
      httpPort: 3000,
      grpcPort: 50051,
      grpcConnectionAge: { maxAgeMs: 300_000, graceMs: 30_000 },
      auth: { kind: 'dev-secret', maxLifetimeSeconds: 86_400 },
      logLevel: 'info',
      logFormat: 'auto',
      httpBodyLimit: 1024 * 1024,
      corsOrigins: [],
      protectOpsRoutes: false,
      tickets: { reopenWindowMs: 7 * 86_400_000, autoCloseAfterMs: 72 * 3_600_000 },
      idempotency: { retentionMs: 24 * 3_600_000 },
      trustProxy: false,
      rateLimits: {
        enabled: true,
        customerWrites: { points: 60, windowSeconds: 60 },
        staffWrites: { points: 600, windowSeconds: 60 },
        reads: { points: 600, windowSeconds: 60 },
        streams: { points: 30, windowSeconds: 60 },
        anonymous: { points: 60, windowSeconds: 60 },
      },
      streams: { perActor: 5, total: 1000, heartbeatMs: 15_000 },
      kafkaTopics: { mode: 'create', partitions: 12, deadLetterPartitions: 3 },
      relayMaxLag: 10_000,
      tracing: {},
      kbStarter: true,
    });
  });

  it('reads TICKETING_KB_STARTER=off', () => {
    expect(loadConfig({ TICKETING_KB_STARTER: 'off' }).kbStarter).toBe(false);
  });

  it('reads how Kafka topics are provisioned and the relay lag readiness threshold', () => {
    const config = loadConfig({
      TICKETING_KAFKA_TOPICS: 'check',
      TICKETING_KAFKA_TOPIC_PARTITIONS: '24',
      TICKETING_KAFKA_DLQ_PARTITIONS: '1',
      TICKETING_KAFKA_REPLICATION_FACTOR: '3',
      TICKETING_RELAY_MAX_LAG: '500',
    });
    expect(config.kafkaTopics).toEqual({ mode: 'check', partitions: 24, deadLetterPartitions: 1, replicationFactor: 3 });
    expect(config.relayMaxLag).toBe(500);
  });

  it('reads rate limits as <count>/<s|min|h> or a plain count per minute, and TICKETING_RATE_LIMITS=off', () => {
    const config = loadConfig({
      TICKETING_RATE_LIMITS: 'off',
      TICKETING_RATE_LIMIT_CUSTOMER_WRITES: '5/s',
      TICKETING_RATE_LIMIT_STAFF_WRITES: '100',
      TICKETING_RATE_LIMIT_READS: '1000000/h',
      TICKETING_RATE_LIMIT_STREAMS: '2/min',
      TICKETING_RATE_LIMIT_ANONYMOUS: '1',
    });
    expect(config.rateLimits).toEqual({
      enabled: false,
      customerWrites: { points: 5, windowSeconds: 1 },
      staffWrites: { points: 100, windowSeconds: 60 },
      reads: { points: 1_000_000, windowSeconds: 3600 },
      streams: { points: 2, windowSeconds: 60 },
      anonymous: { points: 1, windowSeconds: 60 },
    });
    expect(loadConfig({ TICKETING_RATE_LIMITS: 'on' }).rateLimits.enabled).toBe(true);
  });

  it('reads the stream caps and the SSE heartbeat in seconds', () => {
    expect(loadConfig({ TICKETING_STREAMS_PER_ACTOR: '2', TICKETING_STREAMS_TOTAL: '50', TICKETING_SSE_HEARTBEAT_SECONDS: '1' }).streams).toEqual({
      perActor: 2,
      total: 50,
      heartbeatMs: 1000,
    });
  });

  it('reads the ticket lifecycle timing in days and hours', () => {
    expect(loadConfig({ TICKETING_REOPEN_WINDOW_DAYS: '14', TICKETING_AUTO_CLOSE_HOURS: '24' }).tickets).toEqual({
      reopenWindowMs: 14 * 86_400_000,
      autoCloseAfterMs: 24 * 3_600_000,
    });
  });

  it('believes X-Forwarded-For only from the proxies it is told of (TICKETING_TRUST_PROXY)', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TICKETING_TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TICKETING_TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TICKETING_TRUST_PROXY: '10.0.0.0/8, 192.168.1.7,fd00::/8,loopback' }).trustProxy).toEqual(['10.0.0.0/8', '192.168.1.7', 'fd00::/8', 'loopback']);
  });

  it('keeps idempotency keys a day unless told otherwise (hours)', () => {
    expect(loadConfig({}).idempotency).toEqual({ retentionMs: 24 * 3_600_000 });
    expect(loadConfig({ TICKETING_IDEMPOTENCY_KEY_RETENTION_HOURS: '168' }).idempotency).toEqual({ retentionMs: 168 * 3_600_000 });
  });

  it('reads the security settings: token lifetime, CORS origins, protected ops routes, log format', () => {
    expect(
      loadConfig({
        TICKETING_JWT_MAX_LIFETIME: '3600',
        TICKETING_CORS_ORIGINS: 'https://desk.example.com, http://localhost:5173',
        TICKETING_PROTECT_OPS_ROUTES: 'true',
        LOG_FORMAT: 'json',
      }),
    ).toMatchObject({
      auth: { maxLifetimeSeconds: 3600 },
      corsOrigins: ['https://desk.example.com', 'http://localhost:5173'],
      protectOpsRoutes: true,
      logFormat: 'json',
    });
    expect(loadConfig({ TICKETING_CORS_ORIGINS: '*' }).corsOrigins).toEqual(['*']);
  });

  it('derives the default SQLite files from TICKETING_DATA_DIR', () => {
    const config = loadConfig({ TICKETING_DATA_DIR: '/var/lib/ticketing' });
    expect(config.eventStore).toEqual({ kind: 'sqlite', file: '/var/lib/ticketing/events.db' });
    expect(config.readStore).toEqual({ kind: 'sqlite', file: '/var/lib/ticketing/read.db' });
  });

  it('treats an empty value as unset', () => {
    expect(loadConfig({ TICKETING_HTTP_PORT: '', LOG_LEVEL: '' })).toMatchObject({ httpPort: 3000, logLevel: 'info' });
  });

  it('reads a production setup', () => {
    const config = loadConfig({
      TICKETING_EVENT_STORE: 'kurrentdb://es1:2113,es2:2113?tls=true',
      TICKETING_BUS: 'kafka://k1:9092,k2.internal:9093,[::1]:9094',
      TICKETING_READ_STORE: 'postgresql://app:secret@pg:5432/ticketing',
      TICKETING_HTTP_PORT: '0',
      TICKETING_GRPC_PORT: '65535',
      TICKETING_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json',
      TICKETING_JWT_ISSUER: 'https://idp.example.com/',
      TICKETING_JWT_AUDIENCE: 'ticketing',
      LOG_LEVEL: 'warn',
      TICKETING_HTTP_BODY_LIMIT: '65536',
    });
    expect(config).toMatchObject({
      eventStore: { kind: 'kurrentdb', connectionString: 'kurrentdb://es1:2113,es2:2113?tls=true' },
      bus: { kind: 'kafka', brokers: ['k1:9092', 'k2.internal:9093', '[::1]:9094'] },
      readStore: { kind: 'postgres', connectionString: 'postgresql://app:secret@pg:5432/ticketing' },
      httpPort: 0,
      grpcPort: 65535,
      auth: {
        kind: 'jwks',
        jwksUrl: 'https://idp.example.com/.well-known/jwks.json',
        issuer: 'https://idp.example.com/',
        audience: 'ticketing',
      },
      logLevel: 'warn',
      httpBodyLimit: 65536,
    });
  });

  it.each([
    ['TICKETING_EVENT_STORE', 'memory:', { kind: 'memory' }, 'eventStore'],
    ['TICKETING_EVENT_STORE', 'esdb://localhost:2113?tls=false', { kind: 'kurrentdb', connectionString: 'esdb://localhost:2113?tls=false' }, 'eventStore'],
    ['TICKETING_EVENT_STORE', 'sqlite:/tmp/e.db', { kind: 'sqlite', file: '/tmp/e.db' }, 'eventStore'],
    ['TICKETING_READ_STORE', 'memory:', { kind: 'memory' }, 'readStore'],
    ['TICKETING_READ_STORE', 'sqlite:./shared.db', { kind: 'sqlite', file: './shared.db' }, 'readStore'],
  ])('accepts %s=%s', (variable, value, expected, key) => {
    expect(loadConfig({ [variable]: value })[key as 'eventStore' | 'readStore']).toEqual(expected);
  });

  it.each([
    ['TICKETING_DATA_DIR', 'data\0dir', 'a directory path'],
    ['TICKETING_EVENT_STORE', 'mysql://db', '"sqlite:<file>", "memory:"'],
    ['TICKETING_EVENT_STORE', 'sqlite:', '"sqlite:<file>"'],
    ['TICKETING_EVENT_STORE', 'memory', '"memory:"'],
    ['TICKETING_EVENT_STORE', 'esdb://', 'esdb://'],
    ['TICKETING_BUS', 'rabbitmq://mq:5672', '"embedded", "kafka://host:port[,host:port…]" or "kafkas://host:port[,host:port…]" (TLS)'],
    ['TICKETING_BUS', 'kafka://broker', 'kafka://host:port'],
    ['TICKETING_BUS', 'kafka://k1:9092,', 'kafka://host:port'],
    ['TICKETING_BUS', 'kafka://k1:99999', 'kafka://host:port'],
    ['TICKETING_READ_STORE', 'mongodb://db', '"postgres://…"'],
    ['TICKETING_READ_STORE', 'postgres://[bad', '"postgres://…"'],
    ['TICKETING_HTTP_PORT', 'abc', 'an integer from 0 to 65535'],
    ['TICKETING_HTTP_PORT', '65536', 'an integer from 0 to 65535'],
    ['TICKETING_HTTP_PORT', '-1', 'an integer from 0 to 65535'],
    ['TICKETING_HTTP_PORT', '80.5', 'an integer from 0 to 65535'],
    ['TICKETING_GRPC_PORT', '5e4', 'an integer from 0 to 65535'],
    ['TICKETING_JWKS_URL', 'not a url', 'an http:// or https:// URL'],
    ['TICKETING_JWKS_URL', 'ftp://idp/jwks', 'an http:// or https:// URL'],
    ['TICKETING_JWT_ISSUER', '   ', 'a non-empty string'],
    ['TICKETING_JWT_AUDIENCE', ' ', 'a non-empty string'],
    ['LOG_LEVEL', 'verbose', 'one of fatal, error, warn, info, debug, trace, silent'],
    ['LOG_LEVEL', 'INFO', 'one of fatal, error, warn, info, debug, trace, silent'],
    ['TICKETING_REOPEN_WINDOW_DAYS', '-1', 'an integer number of days from 0 to 365'],
    ['TICKETING_REOPEN_WINDOW_DAYS', 'week', 'an integer number of days from 0 to 365'],
    ['TICKETING_AUTO_CLOSE_HOURS', '0', 'an integer number of hours from 1 to 8760'],
    ['TICKETING_IDEMPOTENCY_KEY_RETENTION_HOURS', '0', 'an integer number of hours from 1 to 8760'],
    ['TICKETING_TRUST_PROXY', 'true', 'a number of proxy hops from 1 to 10, or comma-separated proxy addresses or CIDRs'],
    ['TICKETING_TRUST_PROXY', '0', 'a number of proxy hops from 1 to 10'],
    ['TICKETING_TRUST_PROXY', '10.0.0.0/33', 'comma-separated proxy addresses or CIDRs'],
    ['TICKETING_TRUST_PROXY', '10.0.0.0/8,ingress.local', 'comma-separated proxy addresses or CIDRs'],
    ['TICKETING_IDEMPOTENCY_KEY_RETENTION_HOURS', '1d', 'an integer number of hours from 1 to 8760'],
    ['TICKETING_HTTP_BODY_LIMIT', '0', 'an integer number of bytes from 1 to'],
    ['TICKETING_HTTP_BODY_LIMIT', '1mb', 'an integer number of bytes from 1 to'],
    ['TICKETING_HTTP_BODY_LIMIT', '2147483648', 'an integer number of bytes from 1 to'],
    ['TICKETING_JWT_MAX_LIFETIME', '3153600000', 'an integer number of seconds from 60 to 31536000'],
    ['TICKETING_JWT_MAX_LIFETIME', '59', 'an integer number of seconds from 60 to 31536000'],
    ['TICKETING_CORS_ORIGINS', 'https://desk.example.com/app', 'comma-separated origins'],
    ['TICKETING_CORS_ORIGINS', '*,https://desk.example.com', 'or * alone'],
    ['TICKETING_CORS_ORIGINS', 'desk.example.com', 'comma-separated origins'],
    ['TICKETING_PROTECT_OPS_ROUTES', 'yes', '"true" or "false"'],
    ['LOG_FORMAT', 'text', 'one of auto, json, pretty'],
    ['TICKETING_RATE_LIMITS', 'false', '"on" or "off"'],
    ['TICKETING_RATE_LIMIT_CUSTOMER_WRITES', '0', '"<count>/<s|min|h>" or a plain count per minute'],
    ['TICKETING_RATE_LIMIT_CUSTOMER_WRITES', '60/day', '"<count>/<s|min|h>"'],
    ['TICKETING_RATE_LIMIT_STAFF_WRITES', '1000001', 'the count from 1 to 1000000'],
    ['TICKETING_RATE_LIMIT_READS', '-5/min', '"<count>/<s|min|h>"'],
    ['TICKETING_RATE_LIMIT_STREAMS', '1.5/s', '"<count>/<s|min|h>"'],
    ['TICKETING_RATE_LIMIT_ANONYMOUS', '60 / min', '"<count>/<s|min|h>"'],
    ['TICKETING_STREAMS_PER_ACTOR', '0', 'an integer from 1 to 100000'],
    ['TICKETING_STREAMS_TOTAL', 'lots', 'an integer from 1 to 1000000'],
    ['TICKETING_SSE_HEARTBEAT_SECONDS', '0', 'an integer number of seconds from 1 to 3600'],
    ['TICKETING_KAFKA_TOPICS', 'auto', 'one of create, check'],
    ['TICKETING_KAFKA_TOPIC_PARTITIONS', '0', 'an integer from 1 to 10000'],
    ['TICKETING_KAFKA_DLQ_PARTITIONS', 'three', 'an integer from 1 to 10000'],
    ['TICKETING_KAFKA_REPLICATION_FACTOR', '0', 'an integer from 1 to 32767'],
    ['TICKETING_RELAY_MAX_LAG', '0', 'an integer number of events from 1 to 1000000000'],
    ['TICKETING_KB_STARTER', 'yes', '"on" or "off"'],
  ])('rejects %s=%j, naming the variable and what is allowed', (variable, value, allowed) => {
    const error = problemsFor({ [variable]: value });
    expect(error.problems).toEqual([{ variable, value, allowed: expect.stringContaining(allowed) }]);
    expect(error.message).toContain(`${variable}=`);
    expect(error.message).toContain(allowed);
  });

  it('reports every bad variable at once', () => {
    const error = problemsFor({ TICKETING_HTTP_PORT: 'x', TICKETING_GRPC_PORT: 'y', LOG_LEVEL: 'loud' });
    expect(error.problems.map((p) => p.variable)).toEqual(['TICKETING_HTTP_PORT', 'TICKETING_GRPC_PORT', 'LOG_LEVEL']);
    expect(error.message).toMatch(/^Invalid configuration \(3 problems\):/);
  });

  it('masks credentials of a rejected connection string', () => {
    const error = problemsFor({ TICKETING_READ_STORE: 'mysql://app:hunter2@db/t' });
    expect(error.message).not.toContain('hunter2');
    expect(error.message).toContain('mysql://***@db/t');
  });
});

describe('assertConfigOrExit', () => {
  const io = () => {
    const written: string[] = [];
    return {
      written,
      stderr: { write: (text: string) => written.push(text) > 0 },
      exit: jest.fn((code: number): never => {
        throw new Error(`exit ${code}`);
      }),
    };
  };

  it('prints the problems to stderr and exits 1', () => {
    const fake = io();
    expect(() => assertConfigOrExit({ TICKETING_HTTP_PORT: 'http' }, fake)).toThrow('exit 1');
    expect(fake.exit).toHaveBeenCalledWith(1);
    expect(fake.written.join('')).toContain('TICKETING_HTTP_PORT="http": expected an integer from 0 to 65535');
  });

  it('returns the config when it is valid', () => {
    const fake = io();
    expect(assertConfigOrExit({ TICKETING_HTTP_PORT: '8080' }, fake).httpPort).toBe(8080);
    expect(fake.exit).not.toHaveBeenCalled();
  });
});
