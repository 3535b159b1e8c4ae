import { Inject, Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { SLA_TARGETS, type SlaPolicyDocument, type SlaTarget } from '@ticketing/contracts';
import { CLOCK, ValidationError, type Clock } from '@ticketing/kernel';
import { READ_STORE, type ReadStore } from '@ticketing/read-store';
import { compilePolicy, policyProblems, SlaPolicyHistory, type SlaEnvironment, type SlaFactEvent } from '@ticketing/sla-domain';
import { SlaPolicyStore, SLA_SETTINGS, type SlaSettings } from '../policy/sla-policy.store';
import { firstContactResolution, type SlaHistoryTables, type SlaReportTicketRow } from '../read-model/sla-history.projection';
import { replayTicket, type TargetVerdicts } from './sla-replay';

export const REPORT_GROUPS = ['channel', 'priority', 'category', 'language', 'queue'] as const;
export type ReportGroup = (typeof REPORT_GROUPS)[number];
export const POLICY_VIEWS = ['then', 'now', 'both'] as const;
export type PolicyView = (typeof POLICY_VIEWS)[number];

/** The longest window a report or what-if covers in one request. */
export const MAX_REPORT_DAYS = 366;
/** The most tickets a what-if lists by name (the counts cover all of them). */
export const MAX_CHANGED_TICKETS = 1000;

export type DurationStats = Readonly<{ count: number; mean: number | null; median: number | null; p90: number | null; p99: number | null }>;
export type BreachRates = Readonly<Record<SlaTarget, Readonly<{ clocks: number; breached: number; rate: number | null }>>>;

export type ReportGroupFigures = Readonly<{
  key: string | null;
  tickets: number;
  firstResponseSeconds: DurationStats;
  resolutionSeconds: DurationStats;
  /** As recorded under the policy in force at the time (`then`) and/or as today's policy would have judged (`now`). */
  breachRates: Readonly<{ then?: BreachRates; now?: BreachRates }>;
  resolutionRate: number | null;
  backlog: number;
  reopenRate: number | null;
  firstContactResolutionRate: number | null;
}>;

export type SlaReport = Readonly<{
  from: string;
  to: string;
  groupBy: ReportGroup | null;
  policy: PolicyView;
  firstContactResolutionWindowDays: number;
  groups: readonly ReportGroupFigures[];
}>;

export type WhatIfChange = Readonly<{ ticketId: string; target: SlaTarget; recorded: 'breached' | 'met'; candidate: 'breached' | 'met' }>;

export type WhatIfResult = Readonly<{
  from: string;
  to: string;
  tickets: number;
  recorded: BreachRates;
  candidate: BreachRates;
  changedTickets: number;
  changes: readonly WhatIfChange[];
}>;

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

function stats(values: readonly number[]): DurationStats {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (value: number | null) => (value === null ? null : Math.round(value * 1000) / 1000);
  return {
    count: sorted.length,
    mean: round(sorted.length === 0 ? null : sorted.reduce((sum, value) => sum + value, 0) / sorted.length),
    median: round(percentile(sorted, 0.5)),
    p90: round(percentile(sorted, 0.9)),
    p99: round(percentile(sorted, 0.99)),
  };
}

const ratio = (part: number, whole: number): number | null => (whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000);

function breachRates(verdicts: readonly TargetVerdicts[]): BreachRates {
  const rates = {} as Record<SlaTarget, { clocks: number; breached: number; rate: number | null }>;
  for (const target of SLA_TARGETS) {
    let clocks = 0;
    let breached = 0;
    for (const verdict of verdicts) {
      const figures = verdict[target];
      if (figures === undefined) continue;
      clocks += figures.clocks;
      breached += figures.breaches;
    }
    rates[target] = { clocks, breached, rate: ratio(breached, clocks) };
  }
  return rates;
}

function parseWindow(from: string | undefined, to: string | undefined, now: Date): { from: string; to: string } {
  const end = to === undefined ? now : new Date(to);
  const start = from === undefined ? new Date(end.getTime() - 7 * 86_400_000) : new Date(from);
  const errors: { field: string; message: string }[] = [];
  if (from !== undefined && (Number.isNaN(start.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(from))) errors.push({ field: 'from', message: 'must be an ISO 8601 date or date-time' });
  if (to !== undefined && (Number.isNaN(end.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(to))) errors.push({ field: 'to', message: 'must be an ISO 8601 date or date-time' });
  if (errors.length === 0 && start.getTime() >= end.getTime()) errors.push({ field: 'from', message: 'must be before to' });
  if (errors.length === 0 && end.getTime() - start.getTime() > MAX_REPORT_DAYS * 86_400_000) errors.push({ field: 'to', message: `the window is at most ${MAX_REPORT_DAYS} days` });
  if (errors.length > 0) throw new ValidationError(`Invalid report window: ${errors.map((error) => `${error.field} ${error.message}`).join('; ')}`, errors);
  return { from: start.toISOString(), to: end.toISOString() };
}

/** Reports over the SLA history read model, and replays of it under another policy (what-if, "now"). */
@Injectable()
export class SlaReportService {
  private readonly db: Kysely<SlaHistoryTables>;

  constructor(
    @Inject(READ_STORE) readStore: ReadStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SLA_SETTINGS) private readonly settings: SlaSettings,
    private readonly policies: SlaPolicyStore,
  ) {
    this.db = readStore.db as unknown as Kysely<SlaHistoryTables>;
  }

  async report(query: Readonly<{ from?: string; to?: string; groupBy?: string; policy?: string }>): Promise<SlaReport> {
    const groupBy = query.groupBy === undefined || query.groupBy === '' ? null : (query.groupBy as ReportGroup);
    if (groupBy !== null && !REPORT_GROUPS.includes(groupBy)) {
      throw new ValidationError(`groupBy must be one of ${REPORT_GROUPS.join(', ')}`, [{ field: 'groupBy', message: `must be one of ${REPORT_GROUPS.join(', ')}` }]);
    }
    const policy = (query.policy ?? 'then') as PolicyView;
    if (!POLICY_VIEWS.includes(policy)) throw new ValidationError(`policy must be one of ${POLICY_VIEWS.join(', ')}`, [{ field: 'policy', message: `must be one of ${POLICY_VIEWS.join(', ')}` }]);
    const now = this.clock.now();
    const window = parseWindow(query.from, query.to, now);
    const tickets = await this.ticketsIn(window);
    const recorded = policy === 'now' ? new Map<string, TargetVerdicts>() : await this.recordedVerdicts(tickets.map((ticket) => ticket.ticket_id));
    const today = policy === 'then' ? new Map<string, TargetVerdicts>() : await this.replayed(tickets.map((ticket) => ticket.ticket_id), await this.todaysEnvironment(), now.toISOString());
    const fcrWindowMs = this.settings.fcrWindowDays * 86_400_000;
    const groups = new Map<string | null, SlaReportTicketRow[]>();
    for (const ticket of tickets) {
      const key = groupBy === null ? null : ticket[groupBy];
      const rows = groups.get(key);
      if (rows === undefined) groups.set(key, [ticket]);
      else rows.push(ticket);
    }
    const figures = [...groups.entries()]
      .sort(([a], [b]) => String(a).localeCompare(String(b)))
      .map(([key, rows]): ReportGroupFigures => {
        const resolved = rows.filter((row) => row.first_resolved_at !== null);
        const firstContact = resolved.filter((row) => firstContactResolution(row, fcrWindowMs) === true);
        const ids = rows.map((row) => row.ticket_id);
        return {
          key,
          tickets: rows.length,
          firstResponseSeconds: stats(rows.flatMap((row) => (row.first_response_seconds === null ? [] : [Number(row.first_response_seconds)]))),
          resolutionSeconds: stats(rows.flatMap((row) => (row.resolution_seconds === null ? [] : [Number(row.resolution_seconds)]))),
          breachRates: {
            ...(policy !== 'now' ? { then: breachRates(ids.map((id) => recorded.get(id) ?? {})) } : {}),
            ...(policy !== 'then' ? { now: breachRates(ids.map((id) => today.get(id) ?? {})) } : {}),
          },
          resolutionRate: ratio(rows.filter((row) => Number(row.resolved) === 1).length, rows.length),
          backlog: rows.filter((row) => Number(row.resolved) === 0 && row.closed_at === null).length,
          reopenRate: ratio(rows.filter((row) => Number(row.reopens) > 0).length, resolved.length),
          firstContactResolutionRate: ratio(firstContact.length, resolved.length),
        };
      });
    return { ...window, groupBy, policy, firstContactResolutionWindowDays: this.settings.fcrWindowDays, groups: figures };
  }

  /** Re-evaluates the tickets opened in the window under a candidate policy, beside what was recorded; writes nothing. */
  async whatIf(document: SlaPolicyDocument, from: string | undefined, to: string | undefined): Promise<WhatIfResult> {
    const problems = policyProblems(document);
    if (problems.length > 0) throw new ValidationError(`Invalid candidate policy: ${problems.join('; ')}`, problems.map((message) => ({ field: 'policy', message })));
    const now = this.clock.now();
    const window = parseWindow(from, to, now);
    const ids = (await this.ticketsIn(window)).map((ticket) => ticket.ticket_id);
    const env: SlaEnvironment = { policies: new SlaPolicyHistory([compilePolicy(0, '1970-01-01T00:00:00.000Z', document)]), warningThresholds: this.settings.warningThresholds };
    const recorded = await this.recordedVerdicts(ids);
    const candidate = await this.replayed(ids, env, now.toISOString());
    const changes: WhatIfChange[] = [];
    const changedTickets = new Set<string>();
    for (const id of ids) {
      for (const target of SLA_TARGETS) {
        const was = (recorded.get(id)?.[target]?.breaches ?? 0) > 0 ? 'breached' : 'met';
        const would = (candidate.get(id)?.[target]?.breaches ?? 0) > 0 ? 'breached' : 'met';
        if (was === would) continue;
        changedTickets.add(id);
        if (changes.length < MAX_CHANGED_TICKETS) changes.push({ ticketId: id, target, recorded: was, candidate: would });
      }
    }
    return {
      ...window,
      tickets: ids.length,
      recorded: breachRates(ids.map((id) => recorded.get(id) ?? {})),
      candidate: breachRates(ids.map((id) => candidate.get(id) ?? {})),
      changedTickets: changedTickets.size,
      changes,
    };
  }

  private ticketsIn(window: { from: string; to: string }): Promise<SlaReportTicketRow[]> {
    return this.db.selectFrom('sla_report_tickets').selectAll().where('opened_at', '>=', window.from).where('opened_at', '<', window.to).orderBy('opened_at').execute();
  }

  private async recordedVerdicts(ids: readonly string[]): Promise<Map<string, TargetVerdicts>> {
    const verdicts = new Map<string, Partial<Record<SlaTarget, { clocks: number; breaches: number }>>>();
    for (const chunk of chunks(ids, 500)) {
      const rows = await this.db.selectFrom('sla_report_targets').selectAll().where('ticket_id', 'in', chunk).execute();
      for (const row of rows) {
        const ticket = verdicts.get(row.ticket_id) ?? {};
        ticket[row.target as SlaTarget] = { clocks: Number(row.clocks), breaches: Number(row.breaches) };
        verdicts.set(row.ticket_id, ticket);
      }
    }
    return verdicts;
  }

  private async replayed(ids: readonly string[], env: SlaEnvironment, until: string): Promise<Map<string, TargetVerdicts>> {
    const verdicts = new Map<string, TargetVerdicts>();
    for (const chunk of chunks(ids, 500)) {
      const rows = await this.db.selectFrom('sla_facts').selectAll().where('ticket_id', 'in', chunk).orderBy('position').execute();
      const facts = new Map<string, SlaFactEvent[]>();
      for (const row of rows) {
        const fact = { type: row.type, schemaVersion: 0, data: JSON.parse(row.data) } as SlaFactEvent;
        const list = facts.get(row.ticket_id);
        if (list === undefined) facts.set(row.ticket_id, [fact]);
        else list.push(fact);
      }
      for (const id of chunk) verdicts.set(id, replayTicket(facts.get(id) ?? [], env, until));
    }
    return verdicts;
  }

  /** Today's policy applied at every moment of history. */
  private async todaysEnvironment(): Promise<SlaEnvironment> {
    const current = await this.policies.current();
    return { policies: new SlaPolicyHistory([compilePolicy(current.version, '1970-01-01T00:00:00.000Z', current.document)]), warningThresholds: this.settings.warningThresholds };
  }
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let index = 0; index < items.length; index += size) result.push(items.slice(index, index + size));
  return result;
}
