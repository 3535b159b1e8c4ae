import pino, { stdTimeFunctions, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { LogLevel } from '../config/ticketing-config';
import { CorrelationContext } from './correlation.context';
import { redactChildBindings, redactPersonalData, redactRequest, redactResponse } from './personal-data.redaction';

/** pino options: JSON lines, correlation id on every line, personal data redacted. */
export function loggerOptions(level: LogLevel): LoggerOptions {
  return {
    level,
    timestamp: stdTimeFunctions.isoTime,
    // One walk per line instead of pino's path redaction: ~90 wildcard paths cost more than the
    // rest of the request's logging together.
    formatters: { level: (label) => ({ level: label }), log: redactPersonalData },
    onChild: redactChildBindings,
    serializers: { req: redactRequest, res: redactResponse },
    // Inside an HTTP handler or a bus consumer the id comes from CorrelationContext; a line that
    // names its own (the request log) or a logger that binds one keeps that instead.
    mixin: (merge, _level, logger) => {
      const correlationId = CorrelationContext.currentCorrelationId();
      if (correlationId === undefined || 'correlationId' in merge || 'correlationId' in logger.bindings()) return {};
      return { correlationId };
    },
  };
}

/** The process's root logger, writing to `destination`, by default to stdout through pino's sonic-boom. */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return destination ? pino(loggerOptions(level), destination) : pino(loggerOptions(level));
}
