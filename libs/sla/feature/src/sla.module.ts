import { Global, Module, type Provider } from '@nestjs/common';
import { ALWAYS_OPEN_CALENDAR, WORKING_DAYS, type WorkingDays } from '@ticketing/contracts';
import { SlaClockCommands } from './clocks/sla-clock.commands';
import { SlaDeadlineScheduler } from './clocks/sla-deadline.scheduler';
import { SlaFactsConsumer } from './clocks/sla-facts.consumer';
import { SlaGrpcController } from './grpc/sla.grpc.controller';
import { SlaHttpController } from './http/sla.http.controller';
import { SlaMetrics } from './metrics/sla.metrics';
import { SlaPolicyStore, SLA_SETTINGS, slaSettingsFromEnv } from './policy/sla-policy.store';
import { slaClocksProjection } from './read-model/sla-clocks.projection';
import { slaHistoryProjection } from './read-model/sla-history.projection';
import { SlaReportService } from './report/sla-report.service';
import { SlaQueriesService } from './sla-queries.service';
import { slaInflowProjection } from './surge/sla-inflow.projection';
import { SurgeWatchTask } from './surge/surge-watch.task';

const settingsProvider: Provider = { provide: SLA_SETTINGS, useFactory: () => slaSettingsFromEnv() };

/** WORKING_DAYS from the policy in force's calendars. */
export const slaWorkingDaysProvider: Provider = {
  provide: WORKING_DAYS,
  useFactory: (policies: SlaPolicyStore): WorkingDays => ({
    addWorkingDays: async (from, days, calendar = ALWAYS_OPEN_CALENDAR) => (await policies.current()).calendar(calendar).addWorkingDays(from, days),
  }),
  inject: [SlaPolicyStore],
};

/**
 * SLA's API and timers: clocks, policy, at-risk, reports, what-if, surge; the durable timer and
 * surge watch run as background tasks. Global so that other contexts composed with it may inject
 * WORKING_DAYS.
 */
@Global()
@Module({
  controllers: [SlaHttpController, SlaGrpcController],
  providers: [settingsProvider, SlaPolicyStore, SlaClockCommands, SlaQueriesService, SlaReportService, SlaDeadlineScheduler, SurgeWatchTask, SlaMetrics, slaWorkingDaysProvider],
  exports: [WORKING_DAYS],
})
export class SlaModule {
  /** Nothing SLA serves waits for these after a write (a ticket's clocks are read from its stream). */
  static readonly projections = [slaClocksProjection, slaHistoryProjection, slaInflowProjection];
}

/** SLA's bus consumers: move each ticket's clocks with intake's and routing's events (on the consumer thread under `ticketing start`). */
@Module({
  controllers: [SlaFactsConsumer],
  providers: [settingsProvider, SlaPolicyStore, SlaClockCommands],
})
export class SlaConsumersModule {}
