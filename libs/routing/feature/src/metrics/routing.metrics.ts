import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import type { AssignmentRule } from '@ticketing/contracts';
import { PlatformMetrics } from '@ticketing/platform';
import { Dispatcher } from '../dispatch/dispatcher.task';

const RULES = ['auto', 'manual', 'claim', 'transfer'] as const satisfies readonly AssignmentRule[];

/** Prometheus metrics of routing to people, on the app's registry (`/metrics`): assignments by rule, dispatch round time. */
@Injectable()
export class RoutingMetrics {
  private readonly assignments: Counter<'rule'>;

  constructor(platform: PlatformMetrics, dispatcher: Dispatcher) {
    const registers = [platform.registry];
    this.assignments = new Counter({
      name: 'ticketing_routing_assignments_total',
      help: 'Tickets given to agents, by how: auto (the dispatcher), manual (a supervisor), claim (the agent), transfer',
      labelNames: ['rule'] as const,
      registers,
    });
    // Every rule shows from the first scrape, at 0.
    for (const rule of RULES) this.assignments.inc({ rule }, 0);
    const rounds = new Histogram({
      name: 'ticketing_routing_dispatch_round_seconds',
      help: 'How long one dispatch round took: plan on the read models, commit each assignment, give back what unavailable agents hold',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    dispatcher.reportRoundsTo((round, seconds) => {
      rounds.observe(seconds);
      if (round.assigned > 0) this.assignments.inc({ rule: 'auto' }, round.assigned);
    });
  }

  /** An assignment made through the API (not the dispatcher's, which its rounds report). */
  assigned(rule: AssignmentRule): void {
    this.assignments.inc({ rule });
  }
}
