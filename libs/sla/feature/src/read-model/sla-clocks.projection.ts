import type { Kysely, Transaction } from 'kysely';
import { SLA_CLOCK_EVENT_TYPES, type SlaClockEvent, type SlaTarget } from '@ticketing/contracts';
import { defineProjection } from '@ticketing/read-store';

/**
 * Each ticket's current clock per target, for the timer (`next_check_at`: the next warning or the
 * breach of a running clock, indexed), the at-risk view and the gauges. A new clock of a target
 * (the next response after another customer message) replaces the row.
 */
export type SlaClockRow = {
  ticket_id: string;
  target: SlaTarget;
  phase: 'running' | 'paused' | 'met' | 'stopped';
  breached: number;
  policy_version: number;
  rule: string;
  duration: string;
  calendar: string;
  started_at: string;
  due_at: string | null;
  /** JSON list of the pending warnings' instants, ascending. */
  warn_at: string;
  warnings: number;
  next_check_at: string | null;
  warned_at: string | null;
  breached_at: string | null;
  met_at: string | null;
};

/** What the clock rows need of their ticket: what at-risk lists are filtered and shown by. */
export type SlaClockTicketRow = {
  ticket_id: string;
  channel: string;
  language: string;
  priority: string | null;
  category: string | null;
  opened_at: string;
};

export type SlaClockTables = { sla_clocks: SlaClockRow; sla_clock_tickets: SlaClockTicketRow };

export const SLA_CLOCKS_PROJECTION = 'sla-clocks';


/** The earliest pending check of a running clock: its next warning, else its due time; none once breached. */
function nextCheckOf(row: Pick<SlaClockRow, 'phase' | 'breached' | 'due_at' | 'warn_at'>): string | null {
  if (row.phase !== 'running' || row.breached === 1) return null;
  const pending = JSON.parse(row.warn_at) as string[];
  return pending[0] ?? row.due_at;
}

async function update(trx: Transaction<SlaClockTables>, ticketId: string, target: SlaTarget, change: (row: SlaClockRow) => Partial<SlaClockRow>): Promise<void> {
  const row = await trx.selectFrom('sla_clocks').selectAll().where('ticket_id', '=', ticketId).where('target', '=', target).executeTakeFirst();
  if (row === undefined) return;
  const next = { ...row, ...change(row) };
  await trx
    .updateTable('sla_clocks')
    .set({ ...change(row), next_check_at: nextCheckOf(next) })
    .where('ticket_id', '=', ticketId)
    .where('target', '=', target)
    .execute();
}

export const slaClocksProjection = defineProjection<SlaClockTables, SlaClockEvent>({
  name: SLA_CLOCKS_PROJECTION,
  version: 1,
  eventTypes: SLA_CLOCK_EVENT_TYPES,
  tables: ['sla_clock_tickets', 'sla_clocks'],
  migrations: {
    '0001-create-sla-clocks': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('sla_clocks')
          .addColumn('ticket_id', 'varchar(64)', (column) => column.notNull())
          .addColumn('target', 'varchar(20)', (column) => column.notNull())
          .addColumn('phase', 'varchar(10)', (column) => column.notNull())
          .addColumn('breached', 'integer', (column) => column.notNull())
          .addColumn('policy_version', 'integer', (column) => column.notNull())
          .addColumn('rule', 'varchar(100)', (column) => column.notNull())
          .addColumn('duration', 'varchar(40)', (column) => column.notNull())
          .addColumn('calendar', 'varchar(64)', (column) => column.notNull())
          .addColumn('started_at', 'varchar(32)', (column) => column.notNull())
          .addColumn('due_at', 'varchar(32)')
          .addColumn('warn_at', 'text', (column) => column.notNull())
          .addColumn('warnings', 'integer', (column) => column.notNull())
          .addColumn('next_check_at', 'varchar(32)')
          .addColumn('warned_at', 'varchar(32)')
          .addColumn('breached_at', 'varchar(32)')
          .addColumn('met_at', 'varchar(32)')
          .addPrimaryKeyConstraint('sla_clocks_pk', ['ticket_id', 'target'])
          .execute();
        await db.schema.createIndex('sla_clocks_next_check').on('sla_clocks').column('next_check_at').execute();
        await db.schema.createIndex('sla_clocks_phase_due').on('sla_clocks').columns(['phase', 'due_at']).execute();
        await db.schema
          .createTable('sla_clock_tickets')
          .addColumn('ticket_id', 'varchar(64)', (column) => column.primaryKey())
          .addColumn('channel', 'varchar(16)', (column) => column.notNull())
          .addColumn('language', 'varchar(8)', (column) => column.notNull())
          .addColumn('priority', 'varchar(16)')
          .addColumn('category', 'varchar(32)')
          .addColumn('opened_at', 'varchar(32)', (column) => column.notNull())
          .execute();
      },
    },
  },
  async apply(trx, event) {
    switch (event.type) {
      case 'SlaTicketTracked': {
        const { ticketId, channel, language, openedAt } = event.data;
        await trx
          .insertInto('sla_clock_tickets')
          .values({ ticket_id: ticketId, channel, language, priority: null, category: null, opened_at: openedAt })
          .onConflict((conflict) => conflict.column('ticket_id').doNothing())
          .execute();
        return;
      }
      case 'SlaPolicyApplied':
        await trx.updateTable('sla_clock_tickets').set({ priority: event.data.priority, category: event.data.category }).where('ticket_id', '=', event.data.ticketId).execute();
        return;
      case 'SlaClockStarted': {
        const { ticketId, target, duration, calendar, policyVersion, rule, startedAt, dueAt, warnAt } = event.data;
        const row: SlaClockRow = {
          ticket_id: ticketId,
          target,
          phase: 'running',
          breached: 0,
          policy_version: policyVersion,
          rule,
          duration,
          calendar,
          started_at: startedAt,
          due_at: dueAt,
          warn_at: JSON.stringify(warnAt),
          warnings: 0,
          next_check_at: null,
          warned_at: null,
          breached_at: null,
          met_at: null,
        };
        row.next_check_at = nextCheckOf(row);
        await trx
          .insertInto('sla_clocks')
          .values(row)
          .onConflict((conflict) => conflict.columns(['ticket_id', 'target']).doUpdateSet({ ...row }))
          .execute();
        return;
      }
      case 'SlaClockRetimed': {
        const { ticketId, target, duration, calendar, policyVersion, rule, dueAt, warnAt } = event.data;
        return update(trx, ticketId, target, () => ({
          duration,
          calendar,
          policy_version: policyVersion,
          rule,
          ...(dueAt !== undefined ? { due_at: dueAt } : {}),
          ...(warnAt !== undefined ? { warn_at: JSON.stringify(warnAt) } : {}),
        }));
      }
      case 'SlaClockPaused':
        return update(trx, event.data.ticketId, event.data.target, () => ({ phase: 'paused', due_at: null, warn_at: '[]' }));
      case 'SlaClockResumed':
        return update(trx, event.data.ticketId, event.data.target, () => ({ phase: 'running', due_at: event.data.dueAt, warn_at: JSON.stringify(event.data.warnAt) }));
      case 'SlaClockReopened':
        return update(trx, event.data.ticketId, event.data.target, () => ({ phase: 'running', met_at: null, due_at: event.data.dueAt, warn_at: JSON.stringify(event.data.warnAt) }));
      case 'SlaClockMet':
        return update(trx, event.data.ticketId, event.data.target, () => ({ phase: 'met', met_at: event.data.metAt, warn_at: '[]' }));
      case 'SlaClockStopped':
        return update(trx, event.data.ticketId, event.data.target, () => ({ phase: 'stopped', warn_at: '[]' }));
      case 'SlaWarningIssued': {
        const warnedAt = Date.parse(event.data.warnedAt);
        return update(trx, event.data.ticketId, event.data.target, (row) => ({
          warnings: row.warnings + 1,
          warned_at: event.data.warnedAt,
          // One check issues every warning it finds due: drop all the pending ones it has passed.
          warn_at: JSON.stringify((JSON.parse(row.warn_at) as string[]).filter((at) => Date.parse(at) > warnedAt)),
        }));
      }
      case 'SlaBreached':
        return update(trx, event.data.ticketId, event.data.target, () => ({ breached: 1, breached_at: event.data.breachedAt }));
    }
  },
});
