import { oneReadPerScrape, scrapedGauge, type PlatformMetrics } from '@ticketing/platform';
import type { ProjectionRunner, ProjectionState } from '@ticketing/read-store';

const STATES = ['idle', 'starting', 'running', 'rebuilding', 'stopped', 'failed'] as const satisfies readonly ProjectionState[];

/**
 * `ticketing_projection_lag_events{projection}` (matching events the read model has not applied)
 * and `ticketing_projection_state{projection,state}` (1 for its state), read on scrape.
 */
export function registerProjectionMetrics(metrics: PlatformMetrics, projections: ProjectionRunner): void {
  const statuses = oneReadPerScrape(() => projections.status(), []);
  scrapedGauge(metrics.registry, {
    name: 'ticketing_projection_lag_events',
    help: 'Events the read model takes that it has not applied yet (log head − its checkpoint, counting only its own)',
    labelNames: ['projection'],
    samples: async () => (await statuses()).map(({ name, lag }) => [{ projection: name }, lag] as const),
  });
  scrapedGauge(metrics.registry, {
    name: 'ticketing_projection_state',
    help: 'The read model’s state: 1 for the one it is in',
    labelNames: ['projection', 'state'],
    samples: async () => (await statuses()).flatMap((status) => STATES.map((state) => [{ projection: status.name, state }, status.state === state ? 1 : 0] as const)),
  });
}
