import { context, propagation, SpanStatusCode, trace, type Context, type Link, type Span, type SpanOptions, type TextMapGetter } from '@opentelemetry/api';

type Carrier = Readonly<Record<string, unknown>>;

// Header maps hold arrays for repeated headers: the first value counts.
const getter: TextMapGetter<Carrier> = {
  get: (carrier, key) => {
    const value = carrier[key];
    return typeof value === 'string' ? value : Array.isArray(value) && typeof value[0] === 'string' ? value[0] : undefined;
  },
  keys: (carrier) => Object.keys(carrier),
};

/**
 * The trace context a W3C `traceparent` (and `tracestate`) in `carrier` continues — an event's
 * metadata, HTTP headers, gRPC metadata as a record — on top of `base` (default the active context).
 */
export function traceContextOf(carrier: Carrier | undefined, base: Context = context.active()): Context {
  return carrier === undefined ? base : propagation.extract(base, carrier, getter);
}

/**
 * Links to the traces named by `traceparents` (events' metadata, message headers), at most `max`:
 * for work that serves many traces at once, such as a batch.
 */
export function traceLinksOf(traceparents: Iterable<unknown>, max = 128): Link[] {
  const links: Link[] = [];
  for (const traceparent of traceparents) {
    if (links.length >= max) break;
    if (typeof traceparent !== 'string') continue;
    const spanContext = trace.getSpanContext(traceContextOf({ traceparent }));
    if (spanContext !== undefined) links.push({ context: spanContext });
  }
  return links;
}

/**
 * Runs `work` in a new span (child of `parent`, default the active context), ending it when the
 * work settles; an error is recorded on the span and rethrown.
 */
export async function inSpan<T>(name: string, options: SpanOptions, work: (span: Span) => Promise<T>, parent: Context = context.active()): Promise<T> {
  const span = trace.getTracer('ticketing').startSpan(name, options, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    span.end();
  }
}
