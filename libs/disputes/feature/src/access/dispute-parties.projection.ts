import type { Kysely } from 'kysely';
import type { AgentProfileSaved, AgentRetired, TicketClassified, TicketOpened, TicketRecategorized } from '@ticketing/contracts';
import { assertNever } from '@ticketing/kernel';
import { defineProjection } from '@ticketing/read-store';

/** Whose ticket it is and what it is about, from intake's and routing's public events. */
export type DisputeTicketRow = { ticket_id: string; customer_id: string; category: string | null; opened_at: string };
/** An agent's clearances, from routing's agent profiles. */
export type DisputeStaffRow = { agent_id: string; clearances: string; retired: number };

export type DisputePartiesTables = { dispute_tickets: DisputeTicketRow; dispute_staff: DisputeStaffRow };

export const DISPUTE_PARTIES_PROJECTION = 'dispute-parties';

type PartiesEvent = TicketOpened | TicketClassified | TicketRecategorized | AgentProfileSaved | AgentRetired;

/**
 * Who may act on a dispute: the customer who owns the ticket and agents with the `disputes` or
 * `recovery` clearance. Disputes keep their own copy (the deployable runs without intake and
 * routing); the API waits for it to catch up before answering "unknown".
 */
export const disputePartiesProjection = defineProjection<DisputePartiesTables, PartiesEvent>({
  name: DISPUTE_PARTIES_PROJECTION,
  version: 1,
  eventTypes: ['TicketOpened', 'TicketClassified', 'TicketRecategorized', 'AgentProfileSaved', 'AgentRetired'],
  tables: ['dispute_tickets', 'dispute_staff'],
  migrations: {
    '0001-create-dispute-parties': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('dispute_tickets')
          .addColumn('ticket_id', 'varchar(64)', (column) => column.primaryKey())
          .addColumn('customer_id', 'varchar(128)', (column) => column.notNull())
          .addColumn('category', 'varchar(32)')
          .addColumn('opened_at', 'varchar(32)', (column) => column.notNull())
          .execute();
        await db.schema
          .createTable('dispute_staff')
          .addColumn('agent_id', 'varchar(128)', (column) => column.primaryKey())
          .addColumn('clearances', 'text', (column) => column.notNull())
          .addColumn('retired', 'integer', (column) => column.notNull())
          .execute();
      },
    },
  },
  async apply(trx, event) {
    switch (event.type) {
      case 'TicketOpened': {
        const { ticketId, customerId, openedAt } = event.data;
        await trx
          .insertInto('dispute_tickets')
          .values({ ticket_id: ticketId, customer_id: customerId, category: null, opened_at: openedAt })
          .onConflict((conflict) => conflict.column('ticket_id').doUpdateSet({ customer_id: customerId, opened_at: openedAt }))
          .execute();
        return;
      }
      case 'TicketClassified':
        await trx.updateTable('dispute_tickets').set({ category: event.data.category }).where('ticket_id', '=', event.data.ticketId).execute();
        return;
      case 'TicketRecategorized':
        await trx.updateTable('dispute_tickets').set({ category: event.data.to }).where('ticket_id', '=', event.data.ticketId).execute();
        return;
      case 'AgentProfileSaved': {
        const clearances = JSON.stringify(event.data.profile.clearances);
        await trx
          .insertInto('dispute_staff')
          .values({ agent_id: event.data.agentId, clearances, retired: 0 })
          .onConflict((conflict) => conflict.column('agent_id').doUpdateSet({ clearances }))
          .execute();
        return;
      }
      case 'AgentRetired':
        await trx.updateTable('dispute_staff').set({ retired: 1 }).where('agent_id', '=', event.data.agentId).execute();
        return;
      default:
        return assertNever(event);
    }
  },
});
