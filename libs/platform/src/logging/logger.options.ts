import type { IncomingMessage } from 'node:http';
import { stdTimeFunctions, type Level } from 'pino';
import type { Options } from 'pino-http';
import type { LogLevel } from '../config/ticketing-config';
import { CorrelationContext } from './correlation.context';
import { redactChildBindings, redactPersonalData, redactRequest, redactResponse } from './personal-data.redaction';

// Probes and scrapes every few seconds would drown the request log.
const QUIET_PATHS = ['/health/', '/metrics'];

/** pino + pino-http options: JSON lines, correlation id on every line, personal data redacted. */
export function loggerOptions(level: LogLevel): Options {
  return {
    level,
    timestamp: stdTimeFunctions.isoTime,
    // One walk per line instead of pino's path redaction: ~90 wildcard paths cost more than the
    // rest of the request's logging together.
    formatters: { level: (label) => ({ level: label }), log: redactPersonalData },
    onChild: redactChildBindings,
    serializers: { req: redactRequest, res: redactResponse },
    // Fastify's request id *is* the correlation id (see createHttpApp); middie copies it to req.id.
    customProps: (req: IncomingMessage) => ({ correlationId: req.id }),
    customLogLevel: (_req, res, error): Level =>
      error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
    // middie rewrites `url` relative to the middleware mount; `originalUrl` is what the client asked for.
    autoLogging: {
      ignore: (req) => {
        const url = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '';
        return QUIET_PATHS.some((path) => url.startsWith(path));
      },
    },
    // Outside a request (bus consumers, timers) the id comes from CorrelationContext; inside one,
    // the request logger already binds it and a second key would duplicate it in the JSON line.
    mixin: (_merge, _level, logger) => {
      const correlationId = CorrelationContext.currentCorrelationId();
      if (correlationId === undefined || 'correlationId' in logger.bindings()) return {};
      return { correlationId };
    },
  };
}
