import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { acceptOrCreateCorrelationId, CORRELATION_HEADER, CorrelationContext } from '../logging/correlation.context';

/**
 * Fastify `genReqId`: the request id is the correlation id, taken from `x-correlation-id` when
 * safe, else a new UUIDv7. The request log (`logRequests`) writes Fastify's id, so one id serves
 * logs, problem bodies and handlers.
 */
export const correlationRequestId = (req: IncomingMessage): string =>
  acceptOrCreateCorrelationId(req.headers[CORRELATION_HEADER]);

/**
 * Echoes the correlation id on every response (errors and 404s included) and runs each request's
 * hooks, guards, handler and exception filter inside it (CorrelationContext). Entered twice: the
 * body arrives on the socket's own async context, so the hooks after parsing must enter it again.
 */
export function propagateCorrelationId(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    void reply.header(CORRELATION_HEADER, request.id);
    CorrelationContext.run(request.id, done);
  });
  fastify.addHook('preValidation', (request: FastifyRequest, _reply: FastifyReply, done: () => void) => {
    CorrelationContext.run(request.id, done);
  });
}
