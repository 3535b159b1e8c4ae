import type { Kysely } from 'kysely';
import { DISPUTES_EVENT_TYPES, type DisputesEvent } from '@ticketing/contracts';
import { assertNever } from '@ticketing/kernel';
import { defineProjection } from '@ticketing/read-store';

/** One row per ticket and kind of case: its status, for the ETA timer and the case counts. */
export type DisputeCaseRow = {
  ticket_id: string;
  kind: 'dispute' | 'recovery';
  status: string;
  round: number;
  /** Recoveries: the end of the ETA window once accepted. */
  eta_to: string | null;
  overrun: number;
  updated_at: string;
};

export type DisputeCaseTables = { dispute_cases: DisputeCaseRow };

export const DISPUTE_CASES_PROJECTION = 'dispute-cases';

/** Disputes' and recoveries' statuses, from the context's own events. */
export const disputeCasesProjection = defineProjection<DisputeCaseTables, DisputesEvent>({
  name: DISPUTE_CASES_PROJECTION,
  version: 1,
  eventTypes: DISPUTES_EVENT_TYPES,
  tables: ['dispute_cases'],
  migrations: {
    '0001-create-dispute-cases': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('dispute_cases')
          .addColumn('ticket_id', 'varchar(64)', (column) => column.notNull())
          .addColumn('kind', 'varchar(16)', (column) => column.notNull())
          .addColumn('status', 'varchar(16)', (column) => column.notNull())
          .addColumn('round', 'integer', (column) => column.notNull())
          .addColumn('eta_to', 'varchar(32)')
          .addColumn('overrun', 'integer', (column) => column.notNull())
          .addColumn('updated_at', 'varchar(32)', (column) => column.notNull())
          .addPrimaryKeyConstraint('dispute_cases_pk', ['ticket_id', 'kind'])
          .execute();
        await db.schema.createIndex('dispute_cases_eta').on('dispute_cases').columns(['kind', 'overrun', 'eta_to']).execute();
      },
    },
  },
  async apply(trx, event) {
    const ticketId = event.data.ticketId;
    const set = (kind: DisputeCaseRow['kind'], changes: Partial<DisputeCaseRow>) =>
      trx.updateTable('dispute_cases').set(changes).where('ticket_id', '=', ticketId).where('kind', '=', kind).execute();
    const at = event.metadata.occurredAt;
    switch (event.type) {
      case 'DisputeOpened':
        await trx
          .insertInto('dispute_cases')
          .values({ ticket_id: ticketId, kind: 'dispute', status: 'open', round: event.data.round, eta_to: null, overrun: 0, updated_at: at })
          .onConflict((conflict) => conflict.columns(['ticket_id', 'kind']).doUpdateSet({ status: 'open', round: event.data.round, updated_at: at }))
          .execute();
        return;
      case 'DisputeDecided':
        await set('dispute', { status: 'sealed', updated_at: at });
        return;
      case 'EvidenceSubmitted':
      case 'DeviationAssessed':
        await set('dispute', { updated_at: at });
        return;
      case 'RecoveryRequested':
        await trx
          .insertInto('dispute_cases')
          .values({ ticket_id: ticketId, kind: 'recovery', status: 'quoted', round: 1, eta_to: null, overrun: 0, updated_at: at })
          .onConflict((conflict) => conflict.columns(['ticket_id', 'kind']).doNothing())
          .execute();
        return;
      case 'RecoveryQuoteAccepted':
        await set('recovery', { status: 'accepted', eta_to: event.data.etaTo, updated_at: at });
        return;
      case 'RecoveryTracingStarted':
        await set('recovery', { status: 'tracing', updated_at: at });
        return;
      case 'RecoveryEtaOverrun':
        await set('recovery', { overrun: 1, updated_at: at });
        return;
      case 'RecoveryQuoteDeclined':
        await set('recovery', { status: 'declined', updated_at: at });
        return;
      case 'RecoverySucceeded':
        await set('recovery', { status: 'succeeded', updated_at: at });
        return;
      case 'RecoveryFailed':
        await set('recovery', { status: 'failed', updated_at: at });
        return;
      case 'RecoveryQuoted':
      case 'RecoveryProofSubmitted':
        await set('recovery', { updated_at: at });
        return;
      default:
        return assertNever(event);
    }
  },
});
