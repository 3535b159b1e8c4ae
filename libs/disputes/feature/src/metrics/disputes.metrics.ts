import { Inject, Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { Gauge } from 'prom-client';
import { CLOCK, type Clock } from '@ticketing/kernel';
import { PlatformMetrics } from '@ticketing/platform';
import { READ_STORE, type ReadStore } from '@ticketing/read-store';
import type { DisputeCaseTables } from '../cases/dispute-cases.projection';

/**
 * Prometheus metrics of dispute evidence (`/metrics`): cases per kind and status, and recoveries past
 * their ETA window with no outcome — what the tracing team and supervisors alert on.
 */
@Injectable()
export class DisputesMetrics {
  constructor(platform: PlatformMetrics, @Inject(READ_STORE) readStore: ReadStore, @Inject(CLOCK) clock: Clock) {
    const db = readStore.db as unknown as Kysely<DisputeCaseTables>;
    const registers = [platform.registry];
    new Gauge({
      name: 'ticketing_dispute_cases',
      help: 'Disputes (open, sealed) and recoveries (quoted, accepted, tracing, succeeded, failed, declined) by status',
      labelNames: ['kind', 'status'],
      registers,
      async collect() {
        this.reset();
        const rows = await db.selectFrom('dispute_cases').select(['kind', 'status', db.fn.countAll<number>().as('cases')]).groupBy(['kind', 'status']).execute();
        for (const row of rows) this.set({ kind: row.kind, status: row.status }, Number(row.cases));
      },
    });
    new Gauge({
      name: 'ticketing_recoveries_overdue',
      help: 'Accepted recoveries past the end of their ETA window with no outcome (alert on > 0)',
      registers,
      async collect() {
        const row = await db
          .selectFrom('dispute_cases')
          .select(db.fn.countAll<number>().as('overdue'))
          .where('kind', '=', 'recovery')
          .where('status', 'in', ['accepted', 'tracing'])
          .where('eta_to', '<', clock.now().toISOString())
          .executeTakeFirst();
        this.set(Number(row?.overdue ?? 0));
      },
    });
  }
}
