import type { Kysely, Transaction } from 'kysely';
import type { SlaBreached, SlaClockMet, SlaClockStarted, TicketQueued, TicketTransferred } from '@ticketing/contracts';
import { defineProjection } from '@ticketing/read-store';
import { SLA_FACT_EVENT_TYPES, type SlaFactEvent } from '@ticketing/sla-domain';

/**
 * One row per ticket for reports: its dimensions (channel, priority, category, language, queue)
 * and the raw moments (first resolution, first reopen, …) from which rates are computed at query
 * time, so a changed definition (the first-contact-resolution window) applies to every past ticket.
 */
export type SlaReportTicketRow = {
  ticket_id: string;
  opened_at: string;
  channel: string;
  language: string;
  priority: string | null;
  category: string | null;
  queue: string | null;
  first_response_seconds: number | null;
  resolution_seconds: number | null;
  first_resolved_at: string | null;
  resolved: number;
  reopens: number;
  first_reopened_at: string | null;
  transfers: number;
  closed_at: string | null;
};

/** Per ticket and target: clocks started and breaches recorded (what happened "then"). */
export type SlaReportTargetRow = { ticket_id: string; target: string; clocks: number; breaches: number };

/** Every SLA-relevant fact of a ticket in log order: what-if and "now" replay them under another policy. */
export type SlaFactRow = { position: number; ticket_id: string; type: string; data: string };

export type SlaHistoryTables = { sla_report_tickets: SlaReportTicketRow; sla_report_targets: SlaReportTargetRow; sla_facts: SlaFactRow };

export const SLA_HISTORY_PROJECTION = 'sla-history';

/**
 * First-contact resolution of one ticket, from its history: resolved without a transfer and not
 * reopened within `windowMs` of its first resolution; null while it has not been resolved. Computed
 * when asked, so a changed window applies to every past ticket.
 */
export function firstContactResolution(row: Pick<SlaReportTicketRow, 'first_resolved_at' | 'first_reopened_at' | 'transfers'>, windowMs: number): boolean | null {
  if (row.first_resolved_at === null) return null;
  if (Number(row.transfers) > 0) return false;
  return row.first_reopened_at === null || Date.parse(row.first_reopened_at) - Date.parse(row.first_resolved_at) > windowMs;
}

type HistoryEvent = SlaFactEvent | TicketQueued | TicketTransferred | SlaClockStarted | SlaClockMet | SlaBreached;

async function bumpTarget(trx: Transaction<SlaHistoryTables>, ticketId: string, target: string, column: 'clocks' | 'breaches'): Promise<void> {
  await trx
    .insertInto('sla_report_targets')
    .values({ ticket_id: ticketId, target, clocks: column === 'clocks' ? 1 : 0, breaches: column === 'breaches' ? 1 : 0 })
    .onConflict((conflict) => conflict.columns(['ticket_id', 'target']).doUpdateSet((eb) => ({ [column]: eb(eb.ref(`sla_report_targets.${column}`), '+', 1) })))
    .execute();
}

export const slaHistoryProjection = defineProjection<SlaHistoryTables, HistoryEvent>({
  name: SLA_HISTORY_PROJECTION,
  // 2: transfers are routing's TicketTransferred (a person moving the ticket), not every queue change; escalations are facts.
  version: 2,
  eventTypes: [...SLA_FACT_EVENT_TYPES, 'TicketQueued', 'TicketTransferred', 'SlaClockStarted', 'SlaClockMet', 'SlaBreached'],
  tables: ['sla_facts', 'sla_report_targets', 'sla_report_tickets'],
  migrations: {
    '0001-create-sla-history': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('sla_report_tickets')
          .addColumn('ticket_id', 'varchar(64)', (column) => column.primaryKey())
          .addColumn('opened_at', 'varchar(32)', (column) => column.notNull())
          .addColumn('channel', 'varchar(16)', (column) => column.notNull())
          .addColumn('language', 'varchar(8)', (column) => column.notNull())
          .addColumn('priority', 'varchar(16)')
          .addColumn('category', 'varchar(32)')
          .addColumn('queue', 'varchar(64)')
          .addColumn('first_response_seconds', 'double precision')
          .addColumn('resolution_seconds', 'double precision')
          .addColumn('first_resolved_at', 'varchar(32)')
          .addColumn('resolved', 'integer', (column) => column.notNull())
          .addColumn('reopens', 'integer', (column) => column.notNull())
          .addColumn('first_reopened_at', 'varchar(32)')
          .addColumn('transfers', 'integer', (column) => column.notNull())
          .addColumn('closed_at', 'varchar(32)')
          .execute();
        await db.schema.createIndex('sla_report_tickets_opened').on('sla_report_tickets').column('opened_at').execute();
        await db.schema
          .createTable('sla_report_targets')
          .addColumn('ticket_id', 'varchar(64)', (column) => column.notNull())
          .addColumn('target', 'varchar(20)', (column) => column.notNull())
          .addColumn('clocks', 'integer', (column) => column.notNull())
          .addColumn('breaches', 'integer', (column) => column.notNull())
          .addPrimaryKeyConstraint('sla_report_targets_pk', ['ticket_id', 'target'])
          .execute();
        await db.schema
          .createTable('sla_facts')
          .addColumn('position', 'bigint', (column) => column.primaryKey())
          .addColumn('ticket_id', 'varchar(64)', (column) => column.notNull())
          .addColumn('type', 'varchar(40)', (column) => column.notNull())
          .addColumn('data', 'text', (column) => column.notNull())
          .execute();
        await db.schema.createIndex('sla_facts_ticket').on('sla_facts').columns(['ticket_id', 'position']).execute();
      },
    },
  },
  async apply(trx, event) {
    if ((SLA_FACT_EVENT_TYPES as readonly string[]).includes(event.type)) {
      await trx
        .insertInto('sla_facts')
        .values({ position: event.globalPosition, ticket_id: event.data.ticketId, type: event.type, data: JSON.stringify(event.data) })
        .execute();
    }
    const ticket = trx.updateTable('sla_report_tickets').where('ticket_id', '=', event.data.ticketId);
    switch (event.type) {
      case 'TicketOpened': {
        const { ticketId, openedAt, channel, language } = event.data;
        await trx
          .insertInto('sla_report_tickets')
          .values({
            ticket_id: ticketId,
            opened_at: openedAt,
            channel,
            language,
            priority: null,
            category: null,
            queue: null,
            first_response_seconds: null,
            resolution_seconds: null,
            first_resolved_at: null,
            resolved: 0,
            reopens: 0,
            first_reopened_at: null,
            transfers: 0,
            closed_at: null,
          })
          .onConflict((conflict) => conflict.column('ticket_id').doNothing())
          .execute();
        return;
      }
      case 'TicketClassified':
        await ticket.set({ priority: event.data.priority, category: event.data.category }).execute();
        return;
      case 'TicketRecategorized':
        await ticket.set({ priority: event.data.priority, category: event.data.to }).execute();
        return;
      case 'TicketQueued':
        await ticket.set({ queue: event.data.queue }).execute();
        return;
      case 'TicketTransferred':
        // A person moved it (to a queue or an agent): first-contact resolution no longer holds.
        await ticket.set((eb) => ({ transfers: eb('transfers', '+', 1) })).execute();
        return;
      case 'TicketResolved':
      case 'TicketSelfServed': {
        const resolvedAt = event.data.resolvedAt;
        const row = await trx.selectFrom('sla_report_tickets').select('first_resolved_at').where('ticket_id', '=', event.data.ticketId).executeTakeFirst();
        await ticket.set({ resolved: 1, first_resolved_at: row?.first_resolved_at ?? resolvedAt }).execute();
        return;
      }
      case 'TicketReopened': {
        const row = await trx.selectFrom('sla_report_tickets').select('first_reopened_at').where('ticket_id', '=', event.data.ticketId).executeTakeFirst();
        await ticket.set((eb) => ({ resolved: 0, reopens: eb('reopens', '+', 1), first_reopened_at: row?.first_reopened_at ?? event.data.reopenedAt })).execute();
        return;
      }
      case 'TicketClosed':
        await ticket.set({ closed_at: event.data.closedAt }).execute();
        return;
      case 'TicketMerged':
        await ticket.set({ closed_at: event.data.mergedAt }).execute();
        return;
      case 'SlaClockStarted':
        return bumpTarget(trx, event.data.ticketId, event.data.target, 'clocks');
      case 'SlaBreached':
        return bumpTarget(trx, event.data.ticketId, event.data.target, 'breaches');
      case 'SlaClockMet':
        if (event.data.target === 'firstResponse') await ticket.set({ first_response_seconds: event.data.elapsedSeconds }).execute();
        if (event.data.target === 'resolution') await ticket.set({ resolution_seconds: event.data.elapsedSeconds }).execute();
        return;
      default:
        return;
    }
  },
});
