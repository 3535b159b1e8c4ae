import pino, { stdTimeFunctions, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import pinoPretty from 'pino-pretty';
import type { LogFormat, LogLevel } from '../config/ticketing-config';
import { hostname } from 'node:os';
import { activeTraceIds, tracedServiceName } from '../tracing/tracing';
import { CorrelationContext } from './correlation.context';
import { redactChildBindings, redactPersonalData, redactRequest, redactResponse } from './personal-data.redaction';

/** pino options: JSON lines, the service, correlation id and trace on every line, personal data redacted. */
export function loggerOptions(level: LogLevel): LoggerOptions {
  return {
    level,
    // Five services write to one log store: every line says which one wrote it.
    base: { pid: process.pid, hostname: hostname(), service: tracedServiceName() },
    timestamp: stdTimeFunctions.isoTime,
    // One walk per line instead of pino's path redaction: ~90 wildcard paths cost more than the
    // rest of the request's logging together.
    formatters: { level: (label) => ({ level: label }), log: redactPersonalData },
    onChild: redactChildBindings,
    serializers: { req: redactRequest, res: redactResponse },
    // Inside an HTTP handler or a bus consumer the id comes from CorrelationContext; a line that
    // names its own (the request log) or a logger that binds one keeps that instead.
    // trace_id/span_id of the active span link the line to its trace.
    mixin: (merge, _level, logger) => {
      const trace = activeTraceIds();
      const correlationId = CorrelationContext.currentCorrelationId();
      if (correlationId === undefined || 'correlationId' in merge || 'correlationId' in logger.bindings()) return trace;
      return { correlationId, ...trace };
    },
  };
}

/** LOG_FORMAT `auto`: pretty for a person at a terminal, JSON lines for a collector or a pipe. */
export function chooseLogFormat(format: LogFormat, stdoutIsTty: boolean): 'json' | 'pretty' {
  if (format === 'auto') return stdoutIsTty ? 'pretty' : 'json';
  return format;
}

/** A pino-pretty stream over `destination` (stdout by default): the same lines, already redacted, made readable. */
export function prettyDestination(destination?: NodeJS.WritableStream): DestinationStream {
  return pinoPretty({ destination: destination ?? 1, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
}

/**
 * The process's root logger. With `destination` (tests, captures) it writes JSON lines there;
 * otherwise to stdout, as JSON or through pino-pretty by `format` (LOG_FORMAT, see chooseLogFormat).
 */
export function createLogger(
  level: LogLevel,
  destination?: DestinationStream,
  format: LogFormat = 'json',
  stdoutIsTty: boolean = process.stdout.isTTY === true,
): Logger {
  if (destination) return pino(loggerOptions(level), destination);
  return chooseLogFormat(format, stdoutIsTty) === 'pretty' ? pino(loggerOptions(level), prettyDestination()) : pino(loggerOptions(level));
}
