import { context, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { traceContextOf } from '@ticketing/event-store';
import { tracer } from '../tracing/tracing';

// Probes and scrapes every few seconds would bury the requests worth a trace.
const UNTRACED = /^\/(health\/|metrics$)/;

/**
 * A SERVER span per HTTP request, continuing the caller's W3C `traceparent`, with the route pattern
 * as its name and the correlation id as an attribute. Hooks, guards, handler and exception filter run
 * inside it (entered twice, as CorrelationContext is: the body arrives on the socket's own context),
 * so the events a request appends carry its trace.
 */
export function traceHttpRequests(fastify: FastifyInstance): void {
  const spans = new WeakMap<FastifyRequest, Readonly<{ span: Span; context: Context }>>();
  fastify.addHook('onRequest', (request: FastifyRequest, _reply: FastifyReply, done: () => void) => {
    const path = request.url.split('?')[0];
    if (UNTRACED.test(path)) return done();
    const parent = traceContextOf(request.headers);
    const route = request.routeOptions.url ?? path;
    const span = tracer().startSpan(
      `${request.method} ${route}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'http.route': route, 'url.path': path, 'ticketing.correlation_id': request.id } },
      parent,
    );
    const active = trace.setSpan(parent, span);
    spans.set(request, { span, context: active });
    context.with(active, done);
  });
  fastify.addHook('preValidation', (request: FastifyRequest, _reply: FastifyReply, done: () => void) => {
    const entry = spans.get(request);
    if (entry === undefined) return done();
    context.with(entry.context, done);
  });
  fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const entry = spans.get(request);
    if (entry !== undefined) {
      entry.span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) entry.span.setStatus({ code: SpanStatusCode.ERROR });
      entry.span.end();
      spans.delete(request);
    }
    done();
  });
}
