import { Inject, Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { NotFoundError } from '@ticketing/kernel';
import type { Channel, Language } from '@ticketing/contracts';
import { READ_STORE, type ReadStore } from '@ticketing/read-store';
import type { AuthenticatedActor } from '@ticketing/platform';
import type { TicketResponse } from '../ticket.response.dto';
import type { TicketListTables, TicketRow } from './ticket-list.projection';

const toResponse = (row: TicketRow): TicketResponse => ({
  id: row.id,
  status: row.status,
  channel: row.channel as Channel,
  language: row.language as Language,
  queue: row.queue,
  customerId: row.customer_id,
  subject: row.subject,
  createdAt: row.created_at,
});

/** Reads tickets from the ticket-list projection, as the caller may see them. */
@Injectable()
export class TicketListQuery {
  private readonly db: Kysely<TicketListTables>;

  constructor(@Inject(READ_STORE) readStore: ReadStore) {
    this.db = readStore.db as Kysely<TicketListTables>;
  }

  /** A customer asking for someone else's ticket gets the same 404 as for a missing one: ids leak nothing. */
  async getVisible(ticketId: string, actor: AuthenticatedActor): Promise<TicketResponse> {
    const row = await this.db.selectFrom('intake_tickets').selectAll().where('id', '=', ticketId).executeTakeFirst();
    if (!row || (actor.kind === 'customer' && row.customer_id !== actor.id)) {
      throw new NotFoundError(`Ticket ${ticketId} not found`, { ticketId });
    }
    return toResponse(row);
  }
}
