import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { CLOCK, systemActor, type Clock } from '@ticketing/kernel';
import { BackgroundTasks } from '@ticketing/platform';
import { READ_STORE, type ReadStore } from '@ticketing/read-store';
import type { DisputeCaseTables } from '../cases/dispute-cases.projection';
import { RecoveriesService } from './recoveries.service';

export const RECOVERY_ETA_TASK = 'recovery-eta-watch';
const CHECK_EVERY_MS = 60_000;
const PAGE = 200;
const etaActor = systemActor('recovery-eta');

/**
 * Alerts when a recovery's ETA window passes with no outcome: once a minute (of the injected clock)
 * it appends RecoveryEtaOverrun to each overdue recovery. The decider appends it once per recovery,
 * so replicas running the same check append nothing twice.
 */
@Injectable()
export class RecoveryEtaWatch implements OnModuleInit {
  private readonly logger = new Logger(RecoveryEtaWatch.name);
  private readonly db: Kysely<DisputeCaseTables>;

  constructor(
    @Inject(READ_STORE) readStore: ReadStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly recoveries: RecoveriesService,
    private readonly tasks: BackgroundTasks,
  ) {
    this.db = readStore.db as unknown as Kysely<DisputeCaseTables>;
  }

  onModuleInit(): void {
    this.tasks.register({ name: RECOVERY_ETA_TASK, run: (signal) => this.watch(signal) });
  }

  /** Checks every overdue recovery now; answers how many got an overrun alert. */
  async checkNow(): Promise<number> {
    const now = this.clock.now().toISOString();
    let alerted = 0;
    let after = '';
    for (;;) {
      const due = await this.db
        .selectFrom('dispute_cases')
        .select(['ticket_id'])
        .where('kind', '=', 'recovery')
        .where('overrun', '=', 0)
        .where('status', 'in', ['accepted', 'tracing'])
        .where('eta_to', '<', now)
        .where('ticket_id', '>', after)
        .orderBy('ticket_id')
        .limit(PAGE)
        .execute();
      for (const row of due) if (await this.recoveries.checkEta(row.ticket_id, etaActor)) alerted++;
      if (due.length < PAGE) return alerted;
      after = due[due.length - 1].ticket_id;
    }
  }

  private async watch(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const alerted = await this.checkNow();
        if (alerted > 0) this.logger.warn(`${alerted} recoveries passed their ETA window with no outcome (RecoveryEtaOverrun)`);
      } catch (error) {
        if (!signal.aborted) this.logger.warn(`Recovery ETA check failed: ${String(error)}`);
      }
      try {
        await this.clock.sleep(CHECK_EVERY_MS, signal);
      } catch {
        return;
      }
    }
  }
}
