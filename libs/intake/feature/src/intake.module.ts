import { Module } from '@nestjs/common';
import { GetTicketHttpController } from './get-ticket/get-ticket.http.controller';
import { OpenTicketHandler } from './open-ticket/open-ticket.handler';
import { OpenTicketHttpController } from './open-ticket/open-ticket.http.controller';
import { TicketListQuery } from './ticket-list/ticket-list.query';
import { ticketListProjection } from './ticket-list/ticket-list.projection';

/** The intake context: opens tickets and serves them. Expects EVENT_STORE, READ_STORE and CLOCK globally. */
@Module({
  controllers: [OpenTicketHttpController, GetTicketHttpController],
  providers: [OpenTicketHandler, TicketListQuery],
})
export class IntakeModule {
  /** Read models this context needs the runtime to keep up to date. */
  static readonly projections = [ticketListProjection];
}
