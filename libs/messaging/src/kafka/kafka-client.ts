import { Logger, type LoggerService } from '@nestjs/common';
import { Kafka, logLevel, type KafkaConfig, type logCreator, type SASLOptions } from 'kafkajs';

/** The part of a kafkajs `Kafka` instance the bus and the relay use; tests inject a double. */
export type KafkaClient = Pick<Kafka, 'consumer' | 'producer' | 'admin'>;

export type KafkaClientOptions = Readonly<{
  brokers: readonly string[];
  /** Shown in broker logs and quotas (default `ticketing`). */
  clientId?: string;
  logger?: LoggerService;
  /** TLS (`kafkas://`): PEM CA bundle (default Node's trusted CAs) and optional client certificate; absent: plaintext. */
  tls?: Readonly<{ ca?: string; cert?: string; key?: string }>;
  /** SASL authentication (TICKETING_KAFKA_SASL_*). */
  sasl?: Readonly<{ mechanism: 'scram-sha-256' | 'scram-sha-512' | 'plain'; username: string; password: string }>;
}>;

/** kafkajs logs through Nest's logger (so through pino in the apps), not straight to the console. */
export function kafkaLogCreator(logger: LoggerService): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, ...extra } = log;
      const text = `${namespace ? `[${namespace}] ` : ''}${message}${Object.keys(extra).length > 0 ? ` ${safeJson(extra)}` : ''}`;
      // NOTHING is a setting, never a message's level; anything unknown is logged rather than lost.
      if (level === logLevel.ERROR || level === logLevel.NOTHING) logger.error(text);
      else if (level === logLevel.WARN) logger.warn(text);
      else if (level === logLevel.DEBUG) logger.debug?.(text);
      else logger.log(text);
    };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** kafkajs's connection settings for the options: TLS verifying the brokers' certificates, SASL. */
export function kafkaConnectionOf(options: Pick<KafkaClientOptions, 'tls' | 'sasl'>): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const { tls, sasl } = options;
  return {
    ...(tls !== undefined && {
      ssl: {
        // Never off: a broker whose certificate does not verify is not the broker.
        rejectUnauthorized: true,
        ...(tls.ca !== undefined && { ca: [tls.ca] }),
        ...(tls.cert !== undefined && tls.key !== undefined && { cert: tls.cert, key: tls.key }),
      },
    }),
    ...(sasl !== undefined && { sasl: { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } as SASLOptions }),
  };
}

/** A kafkajs client for `TICKETING_BUS=kafka://…` or `kafkas://…` brokers. */
export function createKafkaClient(options: KafkaClientOptions): Kafka {
  if (options.brokers.length === 0) throw new Error('Kafka needs at least one broker (host:port)');
  return new Kafka({
    clientId: options.clientId ?? 'ticketing',
    brokers: [...options.brokers],
    ...kafkaConnectionOf(options),
    // kafkajs logs a group's routine rebalances at INFO; WARN keeps the service log readable.
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(options.logger ?? new Logger('kafkajs')),
  });
}
