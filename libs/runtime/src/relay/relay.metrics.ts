import { oneReadPerScrape, scrapedGauge, type PlatformMetrics } from '@ticketing/platform';
import type { RuntimeRelay } from '../runtime-bus';
import type { ContextRelayStatus } from './relay.runner';

/**
 * `ticketing_relay_leader{context}` (1 on the replica relaying the context) and
 * `ticketing_relay_lag_events{context}` (log positions the leader has not published yet), read on scrape.
 */
export function registerRelayMetrics(metrics: PlatformMetrics, relay: RuntimeRelay): void {
  // Both gauges collect in the same scrape: share one status round.
  const statuses = oneReadPerScrape<readonly ContextRelayStatus[]>(() => relay.status(), []);
  scrapedGauge(metrics.registry, {
    name: 'ticketing_relay_leader',
    help: 'Whether this replica relays the context to Kafka (1) or stands by (0)',
    labelNames: ['context'],
    samples: async () => (await statuses()).map(({ context, role }) => [{ context }, role === 'leader' ? 1 : 0] as const),
  });
  scrapedGauge(metrics.registry, {
    name: 'ticketing_relay_lag_events',
    help: 'Event store positions between the relay checkpoint and the log head, on the leader',
    labelNames: ['context'],
    samples: async () => (await statuses()).filter(({ role }) => role === 'leader').map(({ context, lag }) => [{ context }, lag] as const),
  });
}
