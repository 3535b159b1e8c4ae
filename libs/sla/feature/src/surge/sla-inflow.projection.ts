import type { Kysely } from 'kysely';
import type { TicketOpened } from '@ticketing/contracts';
import { defineProjection } from '@ticketing/read-store';
import { minuteOf, type MinuteCount } from '@ticketing/sla-domain';

/** Tickets opened per minute (`minute`: whole minutes since the Unix epoch, by the ticket's `openedAt`). */
export type SlaInflowMinuteRow = { minute: number; count: number };

export type SlaInflowTables = { sla_inflow_minutes: SlaInflowMinuteRow };

export const SLA_INFLOW_PROJECTION = 'sla-inflow';

/** The inflow surge detection works from: one row per minute in which tickets were opened. */
export const slaInflowProjection = defineProjection<SlaInflowTables, TicketOpened>({
  name: SLA_INFLOW_PROJECTION,
  version: 1,
  // Intake's event by its public type, never by its stream names (docs/architecture.md §5).
  eventTypes: ['TicketOpened'],
  tables: ['sla_inflow_minutes'],
  migrations: {
    '0001-create-sla-inflow-minutes': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('sla_inflow_minutes')
          .addColumn('minute', 'integer', (column) => column.primaryKey())
          .addColumn('count', 'integer', (column) => column.notNull())
          .execute();
      },
    },
  },
  async apply(trx, event) {
    // openedAt is the decider's clock; should a stored one ever be unreadable, the ticket still counts, when it was recorded.
    const opened = minuteOf(event.data.openedAt);
    const minute = Number.isSafeInteger(opened) ? opened : minuteOf(event.recordedAt);
    await trx
      .insertInto('sla_inflow_minutes')
      .values({ minute, count: 1 })
      .onConflict((conflict) => conflict.column('minute').doUpdateSet((eb) => ({ count: eb('sla_inflow_minutes.count', '+', 1) })))
      .execute();
  },
});

/** The per-minute inflow from `fromMinute` on, oldest first; minutes without tickets have no row. */
export async function readInflowSince(db: Kysely<SlaInflowTables>, fromMinute: number): Promise<MinuteCount[]> {
  const rows = await db.selectFrom('sla_inflow_minutes').select(['minute', 'count']).where('minute', '>=', fromMinute).orderBy('minute').execute();
  return rows.map((row) => ({ minute: Number(row.minute), count: Number(row.count) }));
}
