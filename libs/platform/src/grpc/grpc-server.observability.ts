import { status as GrpcStatus, type Metadata, type Server as GrpcJsServer, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { context, SpanKind, SpanStatusCode, trace, type Context } from '@opentelemetry/api';
import { Counter, Histogram, type Registry } from 'prom-client';
import { traceContextOf } from '@ticketing/event-store';
import { tracer } from '../tracing/tracing';

type Observe = (method: Readonly<{ service: string; method: string; type: string }>, code: number, seconds: number) => void;

const CODE_NAMES = Object.fromEntries(Object.entries(GrpcStatus).filter(([, value]) => typeof value === 'number').map(([name, value]) => [value, name])) as Record<number, string>;

/**
 * `grpc_server_handled_total{grpc_service,grpc_method,grpc_type,grpc_code}` and
 * `grpc_server_handling_seconds{grpc_service,grpc_method,grpc_type}` (the names go-grpc-prometheus
 * made common), observed for every call the server answers: guards' refusals, reflection and
 * health included.
 */
export function grpcServerMetrics(registry: Registry): Observe {
  const handled = new Counter({
    name: 'grpc_server_handled_total',
    help: 'gRPC calls completed on the server, by method and status code',
    labelNames: ['grpc_service', 'grpc_method', 'grpc_type', 'grpc_code'] as const,
    registers: [registry],
  });
  const seconds = new Histogram({
    name: 'grpc_server_handling_seconds',
    help: 'Time from a gRPC call’s arrival to its status, by method (streams: their whole life)',
    labelNames: ['grpc_service', 'grpc_method', 'grpc_type'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60, 600],
    registers: [registry],
  });
  return ({ service, method, type }, code, elapsed) => {
    handled.inc({ grpc_service: service, grpc_method: method, grpc_type: type, grpc_code: CODE_NAMES[code] ?? String(code) });
    seconds.observe({ grpc_service: service, grpc_method: method, grpc_type: type }, elapsed);
  };
}

type Handler = (...args: unknown[]) => unknown;
type StreamCall = { once(event: string, listener: (...args: unknown[]) => void): unknown };

/** The caller's trace context from the call's metadata (`traceparent`), for the call's SERVER span. */
function parentOf(call: unknown): Context {
  return traceContextOf((call as { metadata?: Metadata }).metadata?.getMap());
}

/**
 * Makes `server.addService` run every handler in a SERVER span (continuing the caller's W3C
 * `traceparent` metadata), and time and count each call by the status it ends with.
 */
export function observeGrpcCalls(server: GrpcJsServer, observe: Observe): void {
  const addService = server.addService.bind(server);
  server.addService = (definition: ServiceDefinition, implementation: UntypedServiceImplementation) => {
    const wrapped: UntypedServiceImplementation = {};
    for (const [name, handler] of Object.entries(implementation)) {
      const attribute = definition[name] ?? Object.values(definition).find((candidate) => candidate.originalName === name);
      if (attribute === undefined || typeof handler !== 'function') {
        wrapped[name] = handler;
        continue;
      }
      const [, service = 'unknown', method = name] = /^\/([^/]+)\/([^/]+)$/.exec(attribute.path) ?? [];
      const type = attribute.requestStream ? (attribute.responseStream ? 'bidi_stream' : 'client_stream') : attribute.responseStream ? 'server_stream' : 'unary';
      const labels = { service, method, type };
      const begin = (call: unknown) => {
        const parent = parentOf(call);
        const span = tracer().startSpan(`${service}/${method}`, { kind: SpanKind.SERVER, attributes: { 'rpc.system': 'grpc', 'rpc.service': service, 'rpc.method': method } }, parent);
        const started = process.hrtime.bigint();
        let done = false;
        const end = (code: number) => {
          if (done) return;
          done = true;
          observe(labels, code, Number(process.hrtime.bigint() - started) / 1e9);
          span.setAttribute('rpc.grpc.status_code', code);
          if (code !== GrpcStatus.OK) span.setStatus({ code: SpanStatusCode.ERROR, message: CODE_NAMES[code] });
          span.end();
        };
        return { active: trace.setSpan(parent, span), end };
      };
      wrapped[name] = (attribute.responseStream
        ? (call: StreamCall, ...rest: unknown[]) => {
            const { active, end } = begin(call);
            call.once('finish', () => end(GrpcStatus.OK));
            call.once('error', (error: unknown) => end(codeOf(error)));
            call.once('cancelled', () => end(GrpcStatus.CANCELLED));
            return context.with(active, () => (handler as Handler)(call, ...rest));
          }
        : (call: unknown, callback: Handler, ...rest: unknown[]) => {
            const { active, end } = begin(call);
            const answer = (error: unknown, ...values: unknown[]) => {
              end(error ? codeOf(error) : GrpcStatus.OK);
              return callback(error, ...values);
            };
            return context.with(active, () => (handler as Handler)(call, answer, ...rest));
          }) as UntypedServiceImplementation[string];
    }
    addService(definition, wrapped);
  };
}

function codeOf(error: unknown): number {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : GrpcStatus.UNKNOWN;
}
