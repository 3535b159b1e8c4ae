import { Injectable } from '@nestjs/common';
import { Gauge, Histogram } from 'prom-client';
import { PlatformMetrics } from '@ticketing/platform';
import { SlaDeadlineScheduler } from '../clocks/sla-deadline.scheduler';
import { SlaQueriesService } from '../sla-queries.service';

/** Prometheus metrics of SLA tracking, on the app's registry (`/metrics`): live clocks per target and state, timer lateness. */
@Injectable()
export class SlaMetrics {
  constructor(platform: PlatformMetrics, queries: SlaQueriesService, scheduler: SlaDeadlineScheduler) {
    const registers = [platform.registry];
    new Gauge({
      name: 'ticketing_sla_clocks',
      help: 'Open tickets’ SLA clocks per target: running (not breached), warned (running, warned, not breached), breached (not yet met)',
      labelNames: ['target', 'state'],
      registers,
      async collect() {
        const counts = await queries.counts();
        for (const [target, figures] of Object.entries(counts)) {
          this.set({ target, state: 'running' }, figures.running);
          this.set({ target, state: 'warned' }, figures.warned);
          this.set({ target, state: 'breached' }, figures.breached);
        }
      },
    });
    const lateness = new Histogram({
      name: 'ticketing_sla_timer_lateness_seconds',
      help: 'How long after its due time the SLA timer fired a warning or breach check',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 30],
      registers,
    });
    scheduler.reportLatenessTo((seconds) => lateness.observe(seconds));
  }
}
