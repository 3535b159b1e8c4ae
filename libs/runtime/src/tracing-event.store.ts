import { SpanKind } from '@opentelemetry/api';
import { ForwardingEventStore, inSpan, type AppendOptions, type AppendResult, type NewEvent } from '@ticketing/event-store';
import { traceparentOf } from '@ticketing/platform';

/**
 * Appends in a span of their own, each event's metadata carrying that span's `traceparent` (an
 * event that already carries one, a retried append, keeps it): whoever consumes the event, in this
 * process or through Kafka, continues the trace. Reads pass through.
 */
export class TracingEventStore extends ForwardingEventStore {
  override append(streamName: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    const category = streamName.includes('-') ? streamName.slice(0, streamName.indexOf('-')) : streamName;
    return inSpan(
      `append ${category}`,
      { kind: SpanKind.INTERNAL, attributes: { 'ticketing.stream': streamName, 'ticketing.events': Array.isArray(events) ? events.length : 0, 'ticketing.event_types': Array.isArray(events) ? [...new Set(events.map((event) => event.type))] : [] } },
      async () => {
        const traceparent = traceparentOf();
        const traced = traceparent === undefined || !Array.isArray(events) ? events : events.map((event) => (event.metadata?.traceparent !== undefined ? event : { ...event, metadata: { ...event.metadata, traceparent } }));
        return this.inner.append(streamName, traced, options);
      },
    );
  }
}
