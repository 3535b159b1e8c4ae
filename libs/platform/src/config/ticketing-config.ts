import type { KafkaSaslConfig, KafkaTlsConfig } from './kafka-security.config';
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** `auto`: human-readable (pino-pretty) when stdout is a terminal, JSON lines otherwise. */
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Where events live: `sqlite:<file>` (embedded), `memory:` (tests), or an EventStoreDB/KurrentDB connection string. */
export type EventStoreConfig =
  | Readonly<{ kind: 'sqlite'; file: string }>
  | Readonly<{ kind: 'memory' }>
  | Readonly<{ kind: 'kurrentdb'; connectionString: string }>;

/**
 * The bus: embedded, or Kafka brokers — `kafka://` plaintext or `kafkas://` TLS (`tls` set, maybe
 * empty: Node's trusted CAs), with SASL when TICKETING_KAFKA_SASL_* say so.
 */
export type BusConfig =
  | Readonly<{ kind: 'embedded' }>
  | Readonly<{ kind: 'kafka'; brokers: readonly string[]; tls?: KafkaTlsConfig; sasl?: KafkaSaslConfig }>;

export type ReadStoreConfig =
  | Readonly<{ kind: 'sqlite'; file: string }>
  | Readonly<{ kind: 'memory' }>
  | Readonly<{ kind: 'postgres'; connectionString: string }>;

/**
 * Where per-customer personal-data keys live (TICKETING_KEY_STORE): a SQLite file beside the events
 * (embedded), memory (with a `memory:` event store), or a PostgreSQL table every service shares.
 */
export type KeyStoreConfig =
  | Readonly<{ kind: 'sqlite'; file: string }>
  | Readonly<{ kind: 'memory' }>
  | Readonly<{ kind: 'postgres'; connectionString: string }>;

/**
 * How bearer tokens are verified: the dev secret in the data dir (embedded) or the identity provider's
 * JWKS; `maxLifetimeSeconds` (TICKETING_JWT_MAX_LIFETIME) caps `exp - iat` either way.
 */
export type AuthConfig =
  | Readonly<{ kind: 'dev-secret'; issuer?: string; audience?: string; maxLifetimeSeconds: number }>
  | Readonly<{ kind: 'jwks'; jwksUrl: string; issuer?: string; audience?: string; maxLifetimeSeconds: number }>;

/** At most `points` requests per `windowSeconds` (a fixed window starting at the first request). */
export type RatePolicy = Readonly<{ points: number; windowSeconds: number }>;

/** Request budgets (TICKETING_RATE_LIMIT_*); `enabled: false` is TICKETING_RATE_LIMITS=off. */
export type RateLimitsConfig = Readonly<{
  enabled: boolean;
  /** Per customer: writes (POST and the other non-read methods). */
  customerWrites: RatePolicy;
  /** Per staff member or service account: writes. */
  staffWrites: RatePolicy;
  /** Per actor, any role: reads. */
  reads: RatePolicy;
  /** Per actor: streams opened (SSE, WatchTicket). */
  streams: RatePolicy;
  /** Per client IP: requests without a valid token. */
  anonymous: RatePolicy;
}>;

/** Caps on concurrently open streams (TICKETING_STREAMS_*) and the SSE heartbeat. */
export type StreamLimitsConfig = Readonly<{ perActor: number; total: number; heartbeatMs: number }>;

/** `create`: create missing topics at start-up; `check`: only verify they exist (an operator or Strimzi provisions them). */
export const KAFKA_TOPIC_MODES = ['create', 'check'] as const;
export type KafkaTopicMode = (typeof KAFKA_TOPIC_MODES)[number];

/** How the Kafka bus treats its topics (TICKETING_KAFKA_*); unused on the embedded bus. */
export type KafkaTopicsConfig = Readonly<{
  mode: KafkaTopicMode;
  /** Partitions of each context's event topic (TICKETING_KAFKA_TOPIC_PARTITIONS). */
  partitions: number;
  /** Partitions of each dead-letter topic (TICKETING_KAFKA_DLQ_PARTITIONS). */
  deadLetterPartitions: number;
  /** Replicas of every created topic; undefined: the broker's `default.replication.factor`. */
  replicationFactor?: number;
}>;

/** The validated process configuration (docs/architecture.md §9). */
export type TicketingConfig = Readonly<{
  dataDir: string;
  eventStore: EventStoreConfig;
  bus: BusConfig;
  readStore: ReadStoreConfig;
  keyStore: KeyStoreConfig;
  httpPort: number;
  grpcPort: number;
  /** TICKETING_GRPC_MAX_CONNECTION_AGE_MS / …_GRACE_MS: clients reconnect, and spread over replicas. */
  grpcConnectionAge: Readonly<{ maxAgeMs: number; graceMs: number }>;
  auth: AuthConfig;
  logLevel: LogLevel;
  /** LOG_FORMAT: JSON lines, pino-pretty, or `auto` (pretty on a terminal). */
  logFormat: LogFormat;
  /** Largest accepted HTTP request body, in bytes. */
  httpBodyLimit: number;
  /** TICKETING_CORS_ORIGINS: origins browsers may call from; empty sends no CORS headers, `['*']` allows any. */
  corsOrigins: readonly string[];
  /**
   * TICKETING_TRUST_PROXY: whose X-Forwarded-For to believe for the client's address (per-address rate
   * limits, logs): nobody (false), the nearest N proxies, or proxies at these addresses.
   */
  trustProxy: TrustProxyConfig;
  /** TICKETING_PROTECT_OPS_ROUTES: /metrics and /docs require an ops or admin token. */
  protectOpsRoutes: boolean;
  /** Ticket lifecycle timing (TICKETING_REOPEN_WINDOW_DAYS, TICKETING_AUTO_CLOSE_HOURS). */
  tickets: Readonly<{
    /** How long after resolution a customer reply reopens the ticket instead of opening a linked one. */
    reopenWindowMs: number;
    /** How long a resolved ticket waits for a reply before it closes by itself. */
    autoCloseAfterMs: number;
  }>;
  /** TICKETING_IDEMPOTENCY_KEY_RETENTION_HOURS: how long an Idempotency-Key answers its first response. */
  idempotency: Readonly<{ retentionMs: number }>;
  rateLimits: RateLimitsConfig;
  streams: StreamLimitsConfig;
  kafkaTopics: KafkaTopicsConfig;
  /** TICKETING_RELAY_MAX_LAG: events a context's relay may be behind before readiness fails. */
  relayMaxLag: number;
  /**
   * OpenTelemetry: spans exported over OTLP/HTTP to `otlpEndpoint` (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
   * or OTEL_EXPORTER_OTLP_ENDPOINT); none when unset. `serviceName`: OTEL_SERVICE_NAME, else the deployable's.
   */
  tracing: Readonly<{ otlpEndpoint?: string; serviceName?: string }>;
  /** TICKETING_KB_STARTER: load the starter knowledge base (data/kb) on the first start of an embedded store. */
  kbStarter: boolean;
}>;

/** DI token for the TicketingConfig. */
export const TICKETING_CONFIG = Symbol('TicketingConfig');

/** `false`, a hop count, or proxy addresses/CIDRs (Fastify's `trustProxy`). */
export type TrustProxyConfig = false | number | readonly string[];
