import { Module } from '@nestjs/common';
import { READ_STORE, type ReadStore } from '@ticketing/read-store';
import { IdempotencyInterceptor, IdempotencyStore } from '@ticketing/platform';
import { AutoCloseScheduler } from './application/auto-close.scheduler';
import { TicketCommandsService } from './application/ticket-commands.service';
import { TicketViewsService } from './application/ticket-views.service';
import { LANGUAGE_DETECTOR } from './language/language-detector.port';
import { ThreadedLanguageDetector } from './language/threaded-language-detector.adapter';
import { OpenTicketHttpController } from './open-ticket/open-ticket.http.controller';
import { TicketReadsHttpController } from './ticket-reads.http.controller';
import { TicketWritesHttpController } from './ticket-writes.http.controller';
import { ticketListProjection } from './ticket-list/ticket-list.projection';
import { TicketListQuery } from './ticket-list/ticket-list.query';
import { EventsStreamHttpController } from './events-stream/events-stream.http.controller';
import './events-stream.operation';
import { GrpcCorrelationInterceptor } from './grpc/grpc-correlation.interceptor';
import { TicketGrpcController } from './grpc/ticket.grpc.controller';
import { TicketWatchService } from './grpc/ticket-watch.service';

/** The intake context: tickets, their lifecycle and conversation. Expects EVENT_STORE, READ_STORE, PROJECTION_RUNNER and CLOCK globally. */
@Module({
  controllers: [OpenTicketHttpController, TicketReadsHttpController, TicketWritesHttpController, TicketGrpcController, EventsStreamHttpController],
  providers: [
    TicketCommandsService,
    TicketViewsService,
    TicketListQuery,
    AutoCloseScheduler,
    IdempotencyInterceptor,
    TicketWatchService,
    GrpcCorrelationInterceptor,
    { provide: IdempotencyStore, useFactory: (readStore: ReadStore) => new IdempotencyStore(readStore.db), inject: [READ_STORE] },
    { provide: LANGUAGE_DETECTOR, useFactory: () => new ThreadedLanguageDetector() },
  ],
  exports: [TicketCommandsService, TicketListQuery],
})
export class IntakeModule {
  /** Read models this context needs the runtime to keep up to date. */
  static readonly projections = [ticketListProjection];
}
