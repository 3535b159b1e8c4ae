import type { AgentProfile, Category, Channel, Language, Priority } from '@ticketing/contracts';
import { hasRoom, planAssignments, type AgentCandidate, type DispatchRules, type WaitingTicket } from '@ticketing/routing-domain';

/** One ticket of the recorded stretch, as history tells it. */
export type RecordedTicket = Readonly<{
  ticketId: string;
  channel: Channel;
  language: Language;
  category: Category | null;
  priority: Priority | null;
  queue: string;
  openedAt: string;
  queuedAt: string;
  assignedAt: string | null;
  firstResponseAt: string | null;
  resolvedAt: string | null;
  /** The first-response target that applied to it (ms), and whether it was breached, as SLA recorded. */
  firstResponseTargetMs: number | null;
  firstResponseBreached: boolean;
}>;

export type RehearsalAgent = Readonly<{ agentId: string; profile: AgentProfile }>;

export type RehearsalOptions = Readonly<{
  rules: DispatchRules;
  /** When history does not say how long the work took: from assignment to the first reply, and to resolution. */
  defaultResponseMs: number;
  defaultHandleMs: number;
}>;

export type Percentiles = Readonly<{ count: number; p50: number | null; p90: number | null; p99: number | null; max: number | null }>;

export type RehearsalFigures = Readonly<{
  /** Seconds from queued to assigned. */
  queueWaitSeconds: Percentiles;
  /** Seconds from opening to the first reply. */
  firstResponseSeconds: Percentiles;
  firstResponseBreaches: number;
  /** Tickets never assigned within the stretch (and after it, until the last one was done). */
  neverAssigned: number;
  /** The most tickets waiting at once. */
  peakWaiting: number;
}>;

export type RehearsalReport = Readonly<{ tickets: number; agents: number; recorded: RehearsalFigures; rehearsed: RehearsalFigures }>;

function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => (sorted.length === 0 ? null : Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]! * 10) / 10);
  return { count: sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted.length === 0 ? null : Math.round(sorted[sorted.length - 1]! * 10) / 10 };
}

const ms = (iso: string) => Date.parse(iso);

/** What happened, from the recorded times. */
export function recordedFigures(tickets: readonly RecordedTicket[]): RehearsalFigures {
  const waits = tickets.flatMap((ticket) => (ticket.assignedAt === null ? [] : [(ms(ticket.assignedAt) - ms(ticket.queuedAt)) / 1000]));
  const responses = tickets.flatMap((ticket) => (ticket.firstResponseAt === null ? [] : [(ms(ticket.firstResponseAt) - ms(ticket.openedAt)) / 1000]));
  const moments = tickets.flatMap((ticket) => [
    { at: ms(ticket.queuedAt), delta: 1 },
    ...(ticket.assignedAt !== null ? [{ at: ms(ticket.assignedAt), delta: -1 }] : []),
  ]);
  return {
    queueWaitSeconds: percentiles(waits),
    firstResponseSeconds: percentiles(responses),
    firstResponseBreaches: tickets.filter((ticket) => ticket.firstResponseBreached).length,
    neverAssigned: tickets.filter((ticket) => ticket.assignedAt === null).length,
    peakWaiting: peakOf(moments),
  };
}

function peakOf(moments: readonly { at: number; delta: number }[]): number {
  let current = 0;
  let peak = 0;
  for (const moment of [...moments].sort((a, b) => a.at - b.at || a.delta - b.delta)) {
    current += moment.delta;
    peak = Math.max(peak, current);
  }
  return peak;
}

type Timeline = { at: number; kind: 'arrive' | 'done'; ticketId: string; agentId?: string };

/**
 * Replays the recorded stretch against other staffing, in simulated time (as fast as it computes,
 * whatever the stretch's length): each ticket arrives when it was queued, the dispatcher's own
 * rules (`planAssignments`) hand it to the candidate agents, each assigned ticket takes as long
 * as it took in history (assignment → first reply, assignment → resolution; the defaults where
 * history has no such time), and frees its agent when done. First-response breaches are counted
 * against the target SLA applied to each ticket at the time. Pure: nothing is read or written.
 */
export function rehearse(tickets: readonly RecordedTicket[], agents: readonly RehearsalAgent[], options: RehearsalOptions): RehearsalReport {
  const byId = new Map(tickets.map((ticket) => [ticket.ticketId, ticket]));
  const pool = new Map<string, AgentCandidate>(
    agents.map((agent) => [agent.agentId, { agentId: agent.agentId, profile: agent.profile, availability: 'online', retired: false, held: {}, lastTakenAt: null }]),
  );
  const timeline: Timeline[] = tickets.map((ticket) => ({ at: ms(ticket.queuedAt), kind: 'arrive', ticketId: ticket.ticketId }));
  const waiting = new Map<string, WaitingTicket>();
  const waits: number[] = [];
  const responses: number[] = [];
  let breaches = 0;
  let peakWaiting = 0;
  const responseDelay = (ticket: RecordedTicket) =>
    ticket.assignedAt !== null && ticket.firstResponseAt !== null ? Math.max(0, ms(ticket.firstResponseAt) - ms(ticket.assignedAt)) : options.defaultResponseMs;
  const handleTime = (ticket: RecordedTicket) =>
    ticket.assignedAt !== null && ticket.resolvedAt !== null ? Math.max(0, ms(ticket.resolvedAt) - ms(ticket.assignedAt)) : options.defaultHandleMs;
  const insert = (entry: Timeline) => {
    // Kept sorted by time: a binary search keeps a long stretch linear enough.
    let low = 0;
    let high = timeline.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (timeline[middle]!.at <= entry.at) low = middle + 1;
      else high = middle;
    }
    timeline.splice(low, 0, entry);
  };
  timeline.sort((a, b) => a.at - b.at);
  while (timeline.length > 0) {
    const now = timeline[0]!.at;
    // Everything that happens at this instant, then one dispatch.
    while (timeline.length > 0 && timeline[0]!.at === now) {
      const entry = timeline.shift()!;
      const ticket = byId.get(entry.ticketId)!;
      if (entry.kind === 'arrive') {
        waiting.set(ticket.ticketId, {
          ticketId: ticket.ticketId,
          queue: ticket.queue,
          channel: ticket.channel,
          language: ticket.language,
          category: ticket.category,
          priority: ticket.priority,
          slaDueAt: ticket.firstResponseTargetMs === null ? null : new Date(ms(ticket.openedAt) + ticket.firstResponseTargetMs).toISOString(),
          queuedAt: ticket.queuedAt,
        });
      } else {
        const agent = pool.get(entry.agentId!)!;
        const { [ticket.ticketId]: _done, ...held } = agent.held;
        pool.set(agent.agentId, { ...agent, held });
      }
    }
    peakWaiting = Math.max(peakWaiting, waiting.size);
    if (waiting.size === 0 || ![...pool.values()].some((agent) => hasRoom(agent, options.rules))) continue;
    const at = new Date(now);
    for (const { ticketId, agentId } of planAssignments([...waiting.values()], [...pool.values()], options.rules, at, false)) {
      const ticket = byId.get(ticketId)!;
      waiting.delete(ticketId);
      const agent = pool.get(agentId)!;
      pool.set(agentId, { ...agent, held: { ...agent.held, [ticketId]: ticket.channel }, lastTakenAt: at.toISOString() });
      waits.push((now - ms(ticket.queuedAt)) / 1000);
      const respondedAt = now + responseDelay(ticket);
      responses.push((respondedAt - ms(ticket.openedAt)) / 1000);
      if (ticket.firstResponseTargetMs !== null && respondedAt - ms(ticket.openedAt) > ticket.firstResponseTargetMs) breaches++;
      insert({ at: now + Math.max(1, handleTime(ticket)), kind: 'done', ticketId, agentId });
    }
  }
  const rehearsed: RehearsalFigures = {
    queueWaitSeconds: percentiles(waits),
    firstResponseSeconds: percentiles(responses),
    // A ticket nobody could take never got its first reply: a breach wherever it had a target.
    firstResponseBreaches: breaches + [...waiting.values()].filter((ticket) => byId.get(ticket.ticketId)!.firstResponseTargetMs !== null).length,
    neverAssigned: waiting.size,
    peakWaiting,
  };
  return { tickets: tickets.length, agents: agents.length, recorded: recordedFigures(tickets), rehearsed };
}
