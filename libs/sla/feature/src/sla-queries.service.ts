import { Inject, Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { SLA_TARGETS, slaStreams, type SlaTarget } from '@ticketing/contracts';
import { EVENT_STORE, readStreamState, type EventStore } from '@ticketing/event-store';
import { CLOCK, NotFoundError, ValidationError, type Clock } from '@ticketing/kernel';
import { READ_STORE, type ReadStore } from '@ticketing/read-store';
import { slaClockDecider, viewClocks, type SlaClockView } from '@ticketing/sla-domain';
import { SlaPolicyStore, SLA_SETTINGS, type SlaSettings } from './policy/sla-policy.store';
import { firstContactResolution, type SlaHistoryTables } from './read-model/sla-history.projection';
import type { SlaClockTables } from './read-model/sla-clocks.projection';

export type TicketSla = Readonly<{
  ticketId: string;
  priority: string | null;
  category: string | null;
  clocks: readonly SlaClockView[];
  /** Resolved without a transfer and not reopened within the window; null until resolved (or until the history read model has it). */
  firstContactResolution: boolean | null;
}>;

export type AtRiskClock = Readonly<{
  ticketId: string;
  target: SlaTarget;
  channel: string;
  language: string;
  priority: string | null;
  category: string | null;
  duration: string;
  dueAt: string;
  secondsToDue: number;
  warned: boolean;
}>;

export type SlaClockCounts = Readonly<Record<SlaTarget, Readonly<{ running: number; warned: number; breached: number }>>>;

/** Reads: a ticket's clocks (folded from its stream: exact, never behind), clocks at risk and counts (read model). */
@Injectable()
export class SlaQueriesService {
  private readonly db: Kysely<SlaClockTables>;
  private readonly history: Kysely<SlaHistoryTables>;

  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(READ_STORE) readStore: ReadStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly policies: SlaPolicyStore,
    @Inject(SLA_SETTINGS) private readonly settings: SlaSettings,
  ) {
    this.db = readStore.db as unknown as Kysely<SlaClockTables>;
    this.history = readStore.db as unknown as Kysely<SlaHistoryTables>;
  }

  async ticket(ticketId: string): Promise<TicketSla> {
    const state = await readStreamState(this.eventStore, slaStreams.clock(ticketId), slaClockDecider);
    if (state.ticketId === null) throw new NotFoundError(`SLA tracks no ticket ${ticketId} (yet: clocks start as the ticket's opening reaches the SLA context)`);
    const clocks = viewClocks(state, await this.policies.environment(), this.clock.now().toISOString());
    const history = await this.history.selectFrom('sla_report_tickets').select(['first_resolved_at', 'first_reopened_at', 'transfers']).where('ticket_id', '=', ticketId).executeTakeFirst();
    const fcr = history === undefined ? null : firstContactResolution(history, this.settings.fcrWindowDays * 86_400_000);
    return { ticketId, priority: state.priority, category: state.category, clocks, firstContactResolution: fcr };
  }

  /** Running clocks not yet breached, soonest due first. */
  async atRisk(query: Readonly<{ limit?: string; target?: string }>): Promise<readonly AtRiskClock[]> {
    const limit = query.limit === undefined ? 50 : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new ValidationError('limit is an integer from 1 to 500', [{ field: 'limit', message: 'must be an integer from 1 to 500' }]);
    if (query.target !== undefined && !(SLA_TARGETS as readonly string[]).includes(query.target)) {
      throw new ValidationError(`target must be one of ${SLA_TARGETS.join(', ')}`, [{ field: 'target', message: `must be one of ${SLA_TARGETS.join(', ')}` }]);
    }
    let select = this.db
      .selectFrom('sla_clocks')
      .innerJoin('sla_clock_tickets', 'sla_clock_tickets.ticket_id', 'sla_clocks.ticket_id')
      .select([
        'sla_clocks.ticket_id',
        'sla_clocks.target',
        'sla_clocks.duration',
        'sla_clocks.due_at',
        'sla_clocks.warnings',
        'sla_clock_tickets.channel',
        'sla_clock_tickets.language',
        'sla_clock_tickets.priority',
        'sla_clock_tickets.category',
      ])
      .where('sla_clocks.phase', '=', 'running')
      .where('sla_clocks.breached', '=', 0)
      .where('sla_clocks.due_at', 'is not', null);
    if (query.target !== undefined) select = select.where('sla_clocks.target', '=', query.target as SlaTarget);
    const rows = await select.orderBy('sla_clocks.due_at').orderBy('sla_clocks.ticket_id').limit(limit).execute();
    const now = this.clock.now().getTime();
    return rows.map((row) => ({
      ticketId: row.ticket_id,
      target: row.target,
      channel: row.channel,
      language: row.language,
      priority: row.priority,
      category: row.category,
      duration: row.duration,
      dueAt: row.due_at!,
      secondsToDue: Math.max(0, Math.floor((Date.parse(row.due_at!) - now) / 1000)),
      warned: Number(row.warnings) > 0,
    }));
  }

  /** Live clocks per target: running (not breached), warned (running, warned, not breached) and breached (still open). */
  async counts(): Promise<SlaClockCounts> {
    const rows = await this.db
      .selectFrom('sla_clocks')
      .select((eb) => [
        'target',
        'breached',
        eb.fn.countAll<number | string>().as('clocks'),
        eb.fn.sum<number | string | null>(eb.case().when('warnings', '>', 0).then(1).else(0).end()).as('warned'),
      ])
      .where('phase', 'in', ['running', 'paused'])
      .groupBy(['target', 'breached'])
      .execute();
    const counts = Object.fromEntries(SLA_TARGETS.map((target) => [target, { running: 0, warned: 0, breached: 0 }])) as Record<SlaTarget, { running: number; warned: number; breached: number }>;
    for (const row of rows) {
      const figures = counts[row.target];
      if (figures === undefined) continue;
      if (Number(row.breached) === 1) figures.breached += Number(row.clocks);
      else {
        figures.running += Number(row.clocks);
        figures.warned += Number(row.warned ?? 0);
      }
    }
    return counts;
  }
}
