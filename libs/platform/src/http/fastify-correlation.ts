import type { IncomingMessage } from 'node:http';
import type { onRequestAsyncHookHandler } from 'fastify';
import { acceptOrCreateCorrelationId, CORRELATION_HEADER } from '../logging/correlation.context';

/**
 * Fastify `genReqId`: the request id is the correlation id, taken from `x-correlation-id` when
 * safe, else a new UUIDv7. Fastify's id is the one middie hands to pino-http, so one id serves
 * logs, problem bodies and handlers.
 */
export const correlationRequestId = (req: IncomingMessage): string =>
  acceptOrCreateCorrelationId(req.headers[CORRELATION_HEADER]);

/** onRequest hook: echo the correlation id on every response, errors and 404s included. */
export const echoCorrelationId: onRequestAsyncHookHandler = async (request, reply) => {
  void reply.header(CORRELATION_HEADER, request.id);
};
