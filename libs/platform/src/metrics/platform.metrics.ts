import { Injectable, Logger } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { oneReadPerScrape, scrapedGauge } from './scraped-gauge';

/** One consumer group's position: how far behind the log head it is and how many messages it parked. */
export type ConsumerGroupStatus = Readonly<{ group: string; lag: number; parked: number }>;

/** Registered by the messaging layer; read on every scrape. */
export interface ConsumerStatusSource {
  status(): Promise<readonly ConsumerGroupStatus[]>;
}

/** What an event store decorator needs to count appends, without depending on prom-client. */
export interface EventsAppendedRecorder {
  eventsAppended(streamName: string, count: number): void;
}

const NON_COUNTERS_NAMED_TOTAL = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'] as const;

/**
 * The service's Prometheus metrics, on a registry of its own (not prom-client's global one) so
 * several apps in one test process do not collide.
 */
@Injectable()
export class PlatformMetrics implements EventsAppendedRecorder {
  readonly registry = new Registry();
  private readonly logger = new Logger(PlatformMetrics.name);
  private readonly sources: ConsumerStatusSource[] = [];

  private readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  private readonly appended = new Counter({
    name: 'ticketing_events_appended_total',
    help: 'Events appended to the event store, by stream category',
    labelNames: ['category'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // Gauges named like counters (`_total`) fail `promtool check metrics`; the same counts stay
    // available by type as nodejs_active_handles / _requests / _resources.
    for (const name of NON_COUNTERS_NAMED_TOTAL) this.registry.removeSingleMetric(name);
    // Both gauges collect in the same scrape: they share one round of status calls.
    const statuses = oneReadPerScrape(() => this.readSources(), []);
    scrapedGauge(this.registry, {
      name: 'ticketing_consumer_lag_events',
      help: 'Events between the log head and the consumer group checkpoint',
      labelNames: ['group'],
      samples: async () => (await statuses()).map(({ group, lag }) => [{ group }, lag] as const),
    });
    scrapedGauge(this.registry, {
      name: 'ticketing_dead_letters',
      help: 'Messages parked in the dead-letter store, by consumer group',
      labelNames: ['group'],
      samples: async () => (await statuses()).map(({ group, parked }) => [{ group }, parked] as const),
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text for /metrics. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  observeHttpRequest(method: string, route: string, status: number, seconds: number): void {
    this.httpDuration.observe({ method, route, status: String(status) }, seconds);
  }

  /** Counts appends under the stream's category: the part of its name before the first `-`. */
  eventsAppended(streamName: string, count: number): void {
    if (count <= 0) return;
    const dash = streamName.indexOf('-');
    this.appended.inc({ category: dash > 0 ? streamName.slice(0, dash) : streamName }, count);
  }

  registerConsumerStatusSource(source: ConsumerStatusSource): void {
    this.sources.push(source);
  }

  private async readSources(): Promise<readonly ConsumerGroupStatus[]> {
    const results = await Promise.allSettled(this.sources.map((source) => source.status()));
    return results.flatMap((result) => {
      if (result.status === 'fulfilled') return result.value;
      // A broken source must not take the whole scrape down; its groups just go missing.
      this.logger.warn({ err: result.reason }, 'Consumer status source failed');
      return [];
    });
  }
}
