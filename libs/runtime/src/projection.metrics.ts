import { Gauge } from 'prom-client';
import type { PlatformMetrics } from '@ticketing/platform';
import type { ProjectionRunner, ProjectionState } from '@ticketing/read-store';
import { oneReadPerScrape } from './one-read-per-scrape';

const STATES = ['idle', 'starting', 'running', 'rebuilding', 'stopped', 'failed'] as const satisfies readonly ProjectionState[];

/**
 * `ticketing_projection_lag_events{projection}` (matching events the read model has not applied)
 * and `ticketing_projection_state{projection,state}` (1 for its state), read on scrape.
 */
export function registerProjectionMetrics(metrics: PlatformMetrics, projections: ProjectionRunner): void {
  const statuses = oneReadPerScrape(() => projections.status(), []);
  new Gauge({
    name: 'ticketing_projection_lag_events',
    help: 'Events the read model takes that it has not applied yet (log head − its checkpoint, counting only its own)',
    labelNames: ['projection'] as const,
    registers: [metrics.registry],
    async collect() {
      this.reset();
      for (const { name, lag } of await statuses()) this.set({ projection: name }, lag);
    },
  });
  new Gauge({
    name: 'ticketing_projection_state',
    help: 'The read model’s state: 1 for the one it is in',
    labelNames: ['projection', 'state'] as const,
    registers: [metrics.registry],
    async collect() {
      this.reset();
      for (const status of await statuses()) for (const state of STATES) this.set({ projection: status.name, state }, status.state === state ? 1 : 0);
    },
  });
}
