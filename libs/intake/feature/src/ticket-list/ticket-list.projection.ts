import type { Kysely, Transaction } from 'kysely';
import type { TicketOpened, TicketQueued } from '@ticketing/contracts';
import type { RecordedEvent } from '@ticketing/event-store';
import { defineProjection } from '@ticketing/read-store';

export type TicketRow = {
  id: string;
  customer_id: string;
  status: string;
  channel: string;
  language: string;
  queue: string | null;
  subject: string;
  created_at: string;
  updated_at: string;
};

export type TicketListTables = { intake_tickets: TicketRow };

const TICKETS = 'intake_tickets';

async function applyOpened(trx: Transaction<TicketListTables>, { data }: { data: TicketOpened['data'] }): Promise<void> {
  await trx
    .insertInto(TICKETS)
    .values({
      id: data.ticketId,
      customer_id: data.customerId,
      status: 'open',
      channel: data.channel,
      language: data.language,
      queue: null,
      subject: data.subject,
      created_at: data.openedAt,
      updated_at: data.openedAt,
    })
    .execute();
}

// Routing queues a ticket only after reading its TicketOpened, so in the one global log the row exists.
async function applyQueued(trx: Transaction<TicketListTables>, { data }: { data: TicketQueued['data'] }): Promise<void> {
  await trx
    .updateTable(TICKETS)
    .set({ queue: data.queue, updated_at: data.queuedAt })
    .where('id', '=', data.ticketId)
    .execute();
}

/** The ticket list and detail read model, fed by intake's and routing's events. */
export const ticketListProjection = defineProjection<TicketListTables>({
  name: 'intake-ticket-list',
  version: 1,
  eventTypes: ['TicketOpened', 'TicketQueued'],
  streamPrefixes: ['ticket-', 'routing-'],
  tables: [TICKETS],
  migrations: {
    '0001-create-intake-tickets': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable(TICKETS)
          .addColumn('id', 'varchar(64)', (column) => column.primaryKey())
          .addColumn('customer_id', 'varchar(128)', (column) => column.notNull())
          .addColumn('status', 'varchar(32)', (column) => column.notNull())
          .addColumn('channel', 'varchar(16)', (column) => column.notNull())
          .addColumn('language', 'varchar(8)', (column) => column.notNull())
          .addColumn('queue', 'varchar(64)')
          .addColumn('subject', 'text', (column) => column.notNull())
          .addColumn('created_at', 'varchar(32)', (column) => column.notNull())
          .addColumn('updated_at', 'varchar(32)', (column) => column.notNull())
          .execute();
        await db.schema.createIndex('intake_tickets_customer').on(TICKETS).columns(['customer_id', 'created_at']).execute();
      },
    },
  },
  async apply(trx, event: RecordedEvent) {
    switch (event.type) {
      case 'TicketOpened':
        return applyOpened(trx, event as unknown as TicketOpened);
      case 'TicketQueued':
        return applyQueued(trx, event as unknown as TicketQueued);
    }
  },
});
