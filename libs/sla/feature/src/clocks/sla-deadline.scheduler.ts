import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { BackgroundTasks } from '@ticketing/platform';
import type { SlaTarget } from '@ticketing/contracts';
import { CLOCK, newId, type Clock } from '@ticketing/kernel';
import type { SlaEnvironment } from '@ticketing/sla-domain';
import { READ_STORE, type ReadStore } from '@ticketing/read-store';
import type { SlaClockTables } from '../read-model/sla-clocks.projection';
import { SlaPolicyStore } from '../policy/sla-policy.store';
import { SlaClockCommands } from './sla-clock.commands';

/** The longest the timer sleeps: a check due sooner than any known one (a clock just started) waits at most this. */
export const SLA_TIMER_MAX_SLEEP_MS = 500;
const BATCH = 500;
const SLA_TIMER_RECHECK_MS = 1000;
const CONCURRENT_CHECKS = 16;

/**
 * The durable timer: the due checks are rows of the `sla-clocks` read model (rebuilt from the
 * event store, so they survive restarts), and firing one is a `CheckDeadlines` command on the
 * ticket's stream at the revision read. With several replicas each may try the same check: one
 * append wins, the others conflict, re-read and decide nothing, so a warning or breach is
 * published once. The event ids derive from the check's due time, so even two appends racing on
 * one revision carry the same ids.
 */
@Injectable()
export class SlaDeadlineScheduler implements OnModuleInit {
  private readonly logger = new Logger(SlaDeadlineScheduler.name);
  private readonly db: Kysely<SlaClockTables>;
  /**
   * Checks just made whose row has not moved yet (the projection trails the append): not made again
   * for a second, then made again in case the check found nothing due (the row never moves then).
   */
  private readonly checked = new Map<string, { dueAt: string; checkedAt: number }>();
  private lateness: (seconds: number) => void = () => undefined;

  constructor(
    @Inject(READ_STORE) readStore: ReadStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly policies: SlaPolicyStore,
    private readonly commands: SlaClockCommands,
    private readonly tasks: BackgroundTasks,
  ) {
    this.db = readStore.db as unknown as Kysely<SlaClockTables>;
  }

  onModuleInit(): void {
    this.tasks.register({ name: 'sla-timer', run: (signal) => this.run(signal) });
  }

  /** Where firing lateness (seconds after the due time) is reported. */
  reportLatenessTo(observe: (seconds: number) => void): void {
    this.lateness = observe;
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let next: string | undefined;
      try {
        next = await this.fireDue();
      } catch (error) {
        this.logger.error(`SLA timer: ${String(error)}`);
      }
      const wait = next === undefined ? SLA_TIMER_MAX_SLEEP_MS : Math.min(SLA_TIMER_MAX_SLEEP_MS, Math.max(0, Date.parse(next) - this.clock.now().getTime()));
      await this.clock.sleep(Math.max(1, wait), signal).catch(() => undefined);
    }
  }

  /** Fires every check due now; answers when the next known one is due. */
  async fireDue(): Promise<string | undefined> {
    const now = this.clock.now().toISOString();
    const nowMs = Date.parse(now);
    // Read only when a check is due: the loop wakes twice a second, mostly to find nothing.
    let env: SlaEnvironment | undefined;
    // Keyset paging over (due, ticket, target): rows checked a moment ago whose projection has not moved yet are passed over, not re-read for ever.
    let after: { dueAt: string; ticketId: string; target: string } | undefined;
    for (;;) {
      let query = this.db
        .selectFrom('sla_clocks')
        .select(['ticket_id', 'target', 'next_check_at'])
        .where('next_check_at', 'is not', null)
        .where('next_check_at', '<=', now);
      if (after !== undefined) {
        const { dueAt, ticketId, target } = after;
        query = query.where((eb) =>
          eb.or([
            eb('next_check_at', '>', dueAt),
            eb.and([eb('next_check_at', '=', dueAt), eb('ticket_id', '>', ticketId)]),
            eb.and([eb('next_check_at', '=', dueAt), eb('ticket_id', '=', ticketId), eb('target', '>', target as SlaTarget)]),
          ]),
        );
      }
      const due = await query.orderBy('next_check_at').orderBy('ticket_id').orderBy('target').limit(BATCH).execute();
      if (due.length === 0) break;
      const last = due[due.length - 1]!;
      after = { dueAt: last.next_check_at!, ticketId: last.ticket_id, target: last.target };
      const fresh = due.filter((row) => {
        const checked = this.checked.get(`${row.ticket_id}:${row.target}`);
        return checked === undefined || checked.dueAt !== row.next_check_at || nowMs - checked.checkedAt >= SLA_TIMER_RECHECK_MS;
      });
      if (fresh.length > 0) env ??= await this.policies.environment();
      // A few at once: each is its own append, and concurrent appends share the store's group commit.
      for (let index = 0; index < fresh.length; index += CONCURRENT_CHECKS) {
        await Promise.all(fresh.slice(index, index + CONCURRENT_CHECKS).map((row) => this.check(row.ticket_id, row.target, row.next_check_at!, env!)));
      }
      if (due.length < BATCH) break;
    }
    this.forgetMoved();
    const next = await this.db
      .selectFrom('sla_clocks')
      .select('next_check_at')
      .where('next_check_at', 'is not', null)
      .where('next_check_at', '>', this.clock.now().toISOString())
      .orderBy('next_check_at')
      .limit(1)
      .executeTakeFirst();
    return next?.next_check_at ?? undefined;
  }

  private async check(ticketId: string, target: SlaTarget, dueAt: string, env: SlaEnvironment): Promise<void> {
    // The moment of the check itself: a breach is stamped when it is found, and lateness counts the batch before it.
    const at = this.clock.now().toISOString();
    const cause = `sla-check:${ticketId}:${target}:${dueAt}`;
    try {
      const appended = await this.commands.run({ type: 'CheckDeadlines', data: { ticketId, at, env } }, { causeId: cause, correlationId: newId(), causationId: cause, occurredAt: at });
      if (appended > 0) this.lateness(Math.max(0, Date.parse(at) - Date.parse(dueAt)) / 1000);
    } catch (error) {
      this.logger.error(`SLA timer: checking ticket ${ticketId} (${target}) failed: ${String(error)}`);
    }
    this.checked.set(`${ticketId}:${target}`, { dueAt, checkedAt: Date.parse(at) });
  }

  private forgetMoved(): void {
    const now = this.clock.now().getTime();
    for (const [key, checked] of this.checked) if (now - checked.checkedAt >= SLA_TIMER_RECHECK_MS) this.checked.delete(key);
  }
}
