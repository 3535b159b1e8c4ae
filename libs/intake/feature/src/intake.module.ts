import { Module } from '@nestjs/common';
import { GrpcCorrelationInterceptor } from '@ticketing/platform';
import { AutoCloseScheduler } from './application/auto-close.scheduler';
import { AssignmentsConsumer } from './assignments.consumer';
import { TicketCommandsService } from './application/ticket-commands.service';
import { TicketViewsService } from './application/ticket-views.service';
import { LANGUAGE_DETECTOR } from './language/language-detector.port';
import { ThreadedLanguageDetector } from './language/threaded-language-detector.adapter';
import { OpenTicketHttpController } from './open-ticket/open-ticket.http.controller';
import { TicketSuggestionsService } from './open-ticket/ticket-suggestions.service';
import { TicketReadsHttpController } from './ticket-reads.http.controller';
import { TicketWritesHttpController } from './ticket-writes.http.controller';
import { ticketListProjection } from './ticket-list/ticket-list.projection';
import { TicketListQuery } from './ticket-list/ticket-list.query';
import { TICKET_ACCESS, type TicketAccess } from '@ticketing/ops-stream';

import { TicketGrpcController } from './grpc/ticket.grpc.controller';
import { TicketWatchService } from './grpc/ticket-watch.service';

/** The intake context: tickets, their lifecycle and conversation. Expects EVENT_STORE, READ_STORE, PROJECTION_RUNNER and CLOCK globally. */
@Module({
  controllers: [OpenTicketHttpController, TicketReadsHttpController, TicketWritesHttpController, TicketGrpcController],
  providers: [
    TicketCommandsService,
    TicketViewsService,
    TicketListQuery,
    AutoCloseScheduler,
    TicketWatchService,
    TicketSuggestionsService,
    GrpcCorrelationInterceptor,
    { provide: LANGUAGE_DETECTOR, useFactory: () => new ThreadedLanguageDetector() },
    // Intake's read model answers for its tickets on the ops event stream.
    {
      provide: TICKET_ACCESS,
      useFactory: (tickets: TicketListQuery): TicketAccess => ({ assertVisible: async (ticketId, actor) => void (await tickets.findVisible(ticketId, actor)) }),
      inject: [TicketListQuery],
    },
  ],
  exports: [TicketCommandsService, TicketListQuery, TICKET_ACCESS],
})
export class IntakeModule {
  /** Read models this context needs the runtime to keep up to date. */
  static readonly projections = [ticketListProjection];
}

/**
 * Intake's bus consumers: each ticket's assignee as routing decides it (on the consumer thread
 * under `ticketing start`). Needs only EVENT_STORE and CLOCK, provided globally by the runtime.
 */
@Module({ controllers: [AssignmentsConsumer] })
export class IntakeConsumersModule {}
