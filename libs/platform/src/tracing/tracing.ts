import { context, propagation, trace, type Context, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, SamplingDecision, type ReadableSpan, type Sampler, type SpanProcessor } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

/** What a context's traceparent travels as: W3C `traceparent` (and `tracestate` when there is one). */
export type TraceCarrier = Record<string, string>;

/**
 * Span processors added after start (a test's in-memory exporter): the provider is global and
 * takes its processors once, at construction.
 */
class SpanProcessorHub implements SpanProcessor {
  private readonly processors = new Set<SpanProcessor>();

  /** Whether anything takes finished spans (an exporter); spans are recorded only then. */
  get listening(): boolean {
    return this.processors.size > 0;
  }

  add(processor: SpanProcessor): () => Promise<void> {
    this.processors.add(processor);
    return async () => {
      this.processors.delete(processor);
      await processor.shutdown();
    };
  }

  onStart(span: Parameters<SpanProcessor['onStart']>[0], parent: Context): void {
    for (const processor of this.processors) processor.onStart(span, parent);
  }

  onEnd(span: ReadableSpan): void {
    for (const processor of this.processors) processor.onEnd(span);
  }

  async forceFlush(): Promise<void> {
    await Promise.all([...this.processors].map((processor) => processor.forceFlush()));
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.processors].map((processor) => processor.shutdown()));
  }
}

const hub = new SpanProcessorHub();

/**
 * Records spans only while something exports them; otherwise spans are non-recording: they still
 * get ids (log lines, traceparent in events and headers) at a fraction of the cost.
 */
const recordWhileExporting: Sampler = {
  shouldSample: () => ({ decision: hub.listening ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.NOT_RECORD }),
  toString: () => 'RecordWhileExporting',
};
let provider: NodeTracerProvider | undefined;
let serviceName = 'ticketing';

/**
 * Starts tracing for the process once (later calls only keep the first): spans get real ids, so
 * every log line and every event can name its trace, and traceparent propagates through HTTP,
 * gRPC, event metadata and Kafka headers. Spans are exported over OTLP/HTTP only when
 * OTEL_EXPORTER_OTLP_ENDPOINT (or …_TRACES_ENDPOINT) is set; otherwise nothing leaves the process.
 */
export function startTracing(options: Readonly<{ serviceName: string; otlpEndpoint?: string }>): void {
  if (provider !== undefined) return;
  serviceName = options.serviceName;
  if (options.otlpEndpoint !== undefined) hub.add(new BatchSpanProcessor(new OTLPTraceExporter()));
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName }),
    sampler: recordWhileExporting,
    spanProcessors: [hub],
  });
  // Registers the AsyncLocalStorage context manager and the global tracer provider.
  provider.register({ propagator: new W3CTraceContextPropagator() });
}

/** Adds a span processor (tests: an in-memory exporter's); the returned function removes it. */
export function addSpanProcessor(processor: SpanProcessor): () => Promise<void> {
  return hub.add(processor);
}

/** Exports what is buffered (on shutdown). */
export async function flushTraces(): Promise<void> {
  await provider?.forceFlush();
}

/** The name spans and log lines carry for this process (`service.name`). */
export const tracedServiceName = (): string => serviceName;

export const tracer = (): Tracer => trace.getTracer('ticketing');

/** The W3C traceparent of a context (default: the active one); undefined outside any span. */
export function traceparentOf(from: Context = context.active()): string | undefined {
  const carrier: TraceCarrier = {};
  propagation.inject(from, carrier);
  return carrier['traceparent'];
}

/** Spans around work: the event store's helper, which every layer shares. */
export { inSpan } from '@ticketing/event-store';

/** trace_id and span_id of the active span, for log lines; empty outside any span. */
export function activeTraceIds(): Readonly<{ trace_id?: string; span_id?: string }> {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (spanContext === undefined || !trace.isSpanContextValid(spanContext)) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}
