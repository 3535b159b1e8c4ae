import { Inject, Injectable } from '@nestjs/common';
import { PROJECTION_RUNNER, type ProjectionRunner } from '@ticketing/read-store';
import type { AuthenticatedActor } from '@ticketing/platform';
import { streams } from '@ticketing/contracts';
import type { TicketResponse } from '../ticket.response.dto';
import type { CommandOutcome } from './ticket-commands.service';
import { TICKET_LIST_PROJECTION } from '../ticket-list/ticket-list.projection';
import { TicketListQuery } from '../ticket-list/ticket-list.query';

/** How long a write waits for the read model to show it before answering with what it has. */
const READ_YOUR_WRITES_TIMEOUT_MS = 2_000;

/** Answers a write with the ticket as the read model shows it once it includes that write. */
@Injectable()
export class TicketViewsService {
  constructor(
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
    private readonly tickets: TicketListQuery,
  ) {}

  async afterWrite(outcome: CommandOutcome, actor: AuthenticatedActor): Promise<TicketResponse> {
    if (outcome.lastGlobalPosition !== undefined) {
      const written = outcome.lastEventType === undefined ? undefined : { streamName: streams.ticket(outcome.ticketId), type: outcome.lastEventType };
      await this.projections.caughtUpWithin(TICKET_LIST_PROJECTION, outcome.lastGlobalPosition, READ_YOUR_WRITES_TIMEOUT_MS, written);
    }
    return this.tickets.getVisible(outcome.ticketId, actor);
  }
}
