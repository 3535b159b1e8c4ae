import type { Kysely } from 'kysely';
import type {
  RoutingEvent,
  TicketAssigned,
  TicketClosed,
  TicketMerged,
  TicketReopened,
  TicketResolved,
  TicketSelfServed,
} from '@ticketing/contracts';
import { assertNever } from '@ticketing/kernel';
import { defineProjection } from '@ticketing/read-store';

/** A routed ticket as routing shows it; `waiting` while queued and nobody holds it. */
export type RoutedTicketRow = {
  ticket_id: string;
  queue: string;
  rule: string;
  category: string | null;
  priority: string | null;
  confidence: number | null;
  model_version: string | null;
  signals: string;
  channel: string | null;
  language: string | null;
  queued_at: string;
  assignee: string | null;
  waiting: number;
};

export type RoutingBoardTables = { routing_tickets: RoutedTicketRow };

/** Intake's events that take a ticket out of its queue or put it back: read by type, never by stream. */
type IntakeEventFollowed = TicketAssigned | TicketResolved | TicketSelfServed | TicketReopened | TicketClosed | TicketMerged;
type RoutingBoardEvent = RoutingEvent | IntakeEventFollowed;

export const ROUTING_BOARD_EVENT_TYPES = [
  'TicketClassified',
  'TicketQueued',
  'TicketRecategorized',
  'TicketAssigned',
  'TicketResolved',
  'TicketSelfServed',
  'TicketReopened',
  'TicketClosed',
  'TicketMerged',
] as const satisfies readonly RoutingBoardEvent['type'][];

/** Queues, their depths and every routed ticket's category, priority and queue. */
export const routingBoardProjection = defineProjection<RoutingBoardTables, RoutingBoardEvent>({
  name: 'routing-board',
  version: 1,
  eventTypes: ROUTING_BOARD_EVENT_TYPES,
  tables: ['routing_tickets'],
  migrations: {
    '0001-create-routing-tickets': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('routing_tickets')
          .addColumn('ticket_id', 'varchar(64)', (column) => column.primaryKey())
          .addColumn('queue', 'varchar(64)', (column) => column.notNull())
          .addColumn('rule', 'varchar(64)', (column) => column.notNull())
          .addColumn('category', 'varchar(32)')
          .addColumn('priority', 'varchar(16)')
          .addColumn('confidence', 'real')
          .addColumn('model_version', 'varchar(64)')
          .addColumn('signals', 'text', (column) => column.notNull())
          .addColumn('channel', 'varchar(16)')
          .addColumn('language', 'varchar(8)')
          .addColumn('queued_at', 'varchar(32)', (column) => column.notNull())
          .addColumn('assignee', 'text')
          .addColumn('waiting', 'integer', (column) => column.notNull())
          .execute();
        await db.schema.createIndex('routing_tickets_waiting').on('routing_tickets').columns(['waiting', 'queue', 'queued_at']).execute();
      },
    },
  },
  async apply(trx, event) {
    const update = (ticketId: string, changes: Partial<RoutedTicketRow>) =>
      trx.updateTable('routing_tickets').set(changes).where('ticket_id', '=', ticketId).execute();
    switch (event.type) {
      case 'TicketClassified': {
        const { ticketId, category, priority, confidence, modelVersion, signals, channel, language, classifiedAt } = event.data;
        // TicketQueued follows in the same append and sets the queue; the row exists from here on.
        await trx
          .insertInto('routing_tickets')
          .values({
            ticket_id: ticketId,
            queue: '',
            rule: '',
            category,
            priority,
            confidence,
            model_version: modelVersion,
            signals: JSON.stringify(signals),
            channel,
            language,
            queued_at: classifiedAt,
            assignee: null,
            waiting: 1,
          })
          .onConflict((conflict) => conflict.column('ticket_id').doNothing())
          .execute();
        return;
      }
      case 'TicketQueued': {
        const { ticketId, queue, rule, queuedAt } = event.data;
        // Tickets queued before classification existed have no TicketClassified: they get a row here.
        await trx
          .insertInto('routing_tickets')
          .values({ ticket_id: ticketId, queue, rule, category: null, priority: null, confidence: null, model_version: null, signals: '[]', channel: null, language: null, queued_at: queuedAt, assignee: null, waiting: 1 })
          .onConflict((conflict) => conflict.column('ticket_id').doUpdateSet({ queue, rule, queued_at: queuedAt }))
          .execute();
        return;
      }
      case 'TicketRecategorized':
        // A person's category is certain, as the routing stream's state says (routing.state.ts).
        return void (await update(event.data.ticketId, { category: event.data.to, priority: event.data.priority, confidence: 1 }));
      case 'TicketAssigned':
        return void (await update(event.data.ticketId, { assignee: event.data.assignee, waiting: 0 }));
      case 'TicketReopened': {
        const row = await trx.selectFrom('routing_tickets').select('assignee').where('ticket_id', '=', event.data.ticketId).executeTakeFirst();
        return void (await update(event.data.ticketId, { waiting: row?.assignee ? 0 : 1 }));
      }
      case 'TicketResolved':
      case 'TicketSelfServed':
      case 'TicketClosed':
      case 'TicketMerged':
        return void (await update(event.data.ticketId, { waiting: 0 }));
      default:
        return assertNever(event);
    }
  },
});
