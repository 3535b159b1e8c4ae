import type { Kysely } from 'kysely';
import {
  ROUTING_TICKET_EVENT_TYPES,
  type RoutingTicketEvent,
  type SlaClockMet,
  type SlaClockPaused,
  type SlaClockReopened,
  type SlaClockResumed,
  type SlaClockRetimed,
  type SlaClockStarted,
  type SlaClockStopped,
  type SurgeEnded,
  type SurgeStarted,
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
  assigned_at: string | null;
  waiting: number;
  /** Resolved, closed or merged: no longer dispatched. */
  finished: number;
  /** JSON: SLA target → due time of its running clock (SLA's events, read by type). */
  sla_due: string;
};

/** Whether inflow surges (SLA's SurgeStarted/SurgeEnded): peak mode for dispatch. One row. */
export type RoutingPeakRow = { id: number; in_surge: number; since: string | null };

export type RoutingBoardTables = { routing_tickets: RoutedTicketRow; routing_peak: RoutingPeakRow };

/** SLA's events that move a ticket's due times, and surges: read by type, never by stream. */
type SlaEventFollowed = SlaClockStarted | SlaClockRetimed | SlaClockResumed | SlaClockReopened | SlaClockPaused | SlaClockMet | SlaClockStopped | SurgeStarted | SurgeEnded;
type RoutingBoardEvent = RoutingTicketEvent | SlaEventFollowed;

export const ROUTING_BOARD_EVENT_TYPES = [
  ...ROUTING_TICKET_EVENT_TYPES,
  'SlaClockStarted',
  'SlaClockRetimed',
  'SlaClockResumed',
  'SlaClockReopened',
  'SlaClockPaused',
  'SlaClockMet',
  'SlaClockStopped',
  'SurgeStarted',
  'SurgeEnded',
] as const satisfies readonly RoutingBoardEvent['type'][];

/** The earliest due time among a row's running SLA clocks, or null. */
export function earliestDue(slaDue: string): string | null {
  const dues = Object.values(JSON.parse(slaDue) as Record<string, string | null>).filter((due): due is string => due !== null);
  return dues.length === 0 ? null : dues.sort()[0]!;
}

/** Queues, their depths and every routed ticket's category, priority and queue. */
export const routingBoardProjection = defineProjection<RoutingBoardTables, RoutingBoardEvent>({
  name: 'routing-board',
  // 2: holders, transfers, escalations and the end of dispatch from routing's own events; SLA due times; peak mode.
  version: 2,
  eventTypes: ROUTING_BOARD_EVENT_TYPES,
  tables: ['routing_peak', 'routing_tickets'],
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
    '0002-dispatch': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('routing_tickets').addColumn('assigned_at', 'varchar(32)').execute();
        await db.schema.alterTable('routing_tickets').addColumn('finished', 'integer', (column) => column.notNull().defaultTo(0)).execute();
        await db.schema.alterTable('routing_tickets').addColumn('sla_due', 'text', (column) => column.notNull().defaultTo('{}')).execute();
        await db.schema.createIndex('routing_tickets_assignee').on('routing_tickets').column('assignee').execute();
        await db.schema
          .createTable('routing_peak')
          .addColumn('id', 'integer', (column) => column.primaryKey())
          .addColumn('in_surge', 'integer', (column) => column.notNull())
          .addColumn('since', 'varchar(32)')
          .execute();
      },
    },
  },
  async apply(trx, event) {
    const update = (ticketId: string, changes: Partial<RoutedTicketRow>) =>
      trx.updateTable('routing_tickets').set(changes).where('ticket_id', '=', ticketId).execute();
    const row = (ticketId: string) => trx.selectFrom('routing_tickets').select(['assignee', 'finished', 'sla_due']).where('ticket_id', '=', ticketId).executeTakeFirst();
    const setDue = async (ticketId: string, target: string, dueAt: string | null) => {
      const current = await row(ticketId);
      if (current === undefined) return;
      await update(ticketId, { sla_due: JSON.stringify({ ...(JSON.parse(current.sla_due) as Record<string, string | null>), [target]: dueAt }) });
    };
    const empty = { category: null, priority: null, confidence: null, model_version: null, signals: '[]', channel: null, language: null, assignee: null, assigned_at: null, waiting: 1, finished: 0, sla_due: '{}' };
    switch (event.type) {
      case 'TicketClassified': {
        const { ticketId, category, priority, confidence, modelVersion, signals, channel, language, classifiedAt } = event.data;
        // TicketQueued follows in the same append and sets the queue; the row exists from here on.
        await trx
          .insertInto('routing_tickets')
          .values({ ...empty, ticket_id: ticketId, queue: '', rule: '', category, priority, confidence, model_version: modelVersion, signals: JSON.stringify(signals), channel, language, queued_at: classifiedAt })
          .onConflict((conflict) => conflict.column('ticket_id').doNothing())
          .execute();
        return;
      }
      case 'TicketQueued': {
        const { ticketId, queue, rule, queuedAt } = event.data;
        // Tickets queued before classification existed have no TicketClassified: they get a row here.
        await trx
          .insertInto('routing_tickets')
          .values({ ...empty, ticket_id: ticketId, queue, rule, queued_at: queuedAt })
          .onConflict((conflict) => conflict.column('ticket_id').doUpdateSet({ queue, rule, queued_at: queuedAt }))
          .execute();
        return;
      }
      case 'TicketRecategorized':
        // A person's category is certain, as the routing stream's state says (routing.state.ts).
        return void (await update(event.data.ticketId, { category: event.data.to, priority: event.data.priority, confidence: 1 }));
      case 'TicketAssignedToAgent':
        return void (await update(event.data.ticketId, { assignee: event.data.agentId, assigned_at: event.data.assignedAt, waiting: 0 }));
      case 'TicketReleasedFromAgent': {
        const current = await row(event.data.ticketId);
        return void (await update(event.data.ticketId, { assignee: null, assigned_at: null, waiting: current?.finished ? 0 : 1 }));
      }
      case 'TicketEscalated':
        return void (await update(event.data.ticketId, { priority: event.data.toPriority }));
      case 'TicketTransferred':
        return;
      case 'TicketRoutingFinished':
        return void (await update(event.data.ticketId, { waiting: 0, finished: 1 }));
      case 'TicketRoutingReopened': {
        const current = await row(event.data.ticketId);
        return void (await update(event.data.ticketId, { finished: 0, waiting: current?.assignee ? 0 : 1 }));
      }
      case 'SlaClockStarted':
      case 'SlaClockResumed':
      case 'SlaClockReopened':
        return setDue(event.data.ticketId, event.data.target, event.data.dueAt);
      case 'SlaClockRetimed':
        return event.data.dueAt === undefined ? undefined : setDue(event.data.ticketId, event.data.target, event.data.dueAt);
      case 'SlaClockPaused':
      case 'SlaClockMet':
      case 'SlaClockStopped':
        return setDue(event.data.ticketId, event.data.target, null);
      case 'SurgeStarted':
      case 'SurgeEnded': {
        const peak = { id: 1, in_surge: event.type === 'SurgeStarted' ? 1 : 0, since: event.type === 'SurgeStarted' ? event.data.startedAt : null };
        await trx.insertInto('routing_peak').values(peak).onConflict((conflict) => conflict.column('id').doUpdateSet({ in_surge: peak.in_surge, since: peak.since })).execute();
        return;
      }
      default:
        return assertNever(event);
    }
  },
});
