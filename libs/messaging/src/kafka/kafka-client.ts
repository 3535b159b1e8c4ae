import { Logger, type LoggerService } from '@nestjs/common';
import { Kafka, logLevel, type logCreator } from 'kafkajs';

/** The part of a kafkajs `Kafka` instance the bus and the relay use; tests inject a double. */
export type KafkaClient = Pick<Kafka, 'consumer' | 'producer' | 'admin'>;

export type KafkaClientOptions = Readonly<{
  brokers: readonly string[];
  /** Shown in broker logs and quotas (default `ticketing`). */
  clientId?: string;
  logger?: LoggerService;
}>;

/** kafkajs logs through Nest's logger (so through pino in the apps), not straight to the console. */
export function kafkaLogCreator(logger: LoggerService): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, ...extra } = log;
      const text = `${namespace ? `[${namespace}] ` : ''}${message}${Object.keys(extra).length > 0 ? ` ${safeJson(extra)}` : ''}`;
      switch (level) {
        case logLevel.ERROR:
          return logger.error(text);
        case logLevel.WARN:
          return logger.warn(text);
        case logLevel.INFO:
          return logger.log(text);
        case logLevel.DEBUG:
          return logger.debug?.(text);
        case logLevel.NOTHING:
          return undefined;
        default:
          return logger.log(text);
      }
    };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** A kafkajs client for `TICKETING_BUS=kafka://…` brokers. */
export function createKafkaClient(options: KafkaClientOptions): Kafka {
  if (options.brokers.length === 0) throw new Error('Kafka needs at least one broker (host:port)');
  return new Kafka({
    clientId: options.clientId ?? 'ticketing',
    brokers: [...options.brokers],
    // kafkajs logs a group's routine rebalances at INFO; WARN keeps the service log readable.
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(options.logger ?? new Logger('kafkajs')),
  });
}
