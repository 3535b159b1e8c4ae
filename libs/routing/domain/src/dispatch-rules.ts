import { DateTime } from 'luxon';
import { PRIORITIES, type AgentAvailability, type AgentClearance, type AgentProfile, type Category, type Channel, type Language, type Priority } from '@ticketing/contracts';
import { capacityOf, DEFAULT_AGENT_CAPACITY, type CapacityDefaults } from './agent.decider';
import { loadOn } from './agent.state';

/** How tickets reach people; every part configurable (routing rules file). */
export type DispatchRules = Readonly<{
  /** Where escalations go; it needs the `supervisor` clearance. */
  supervisorQueue: string;
  /** Clearances an agent needs to work a queue (all of them). */
  queueClearances: Readonly<Record<string, readonly AgentClearance[]>>;
  /** Queues worked by clearance alone, whatever the category (people there re-sort tickets). */
  anySkillQueues: readonly string[];
  capacityDefaults: CapacityDefaults;
  /** An agent going away or offline with open tickets: keep them, or hand them back after a grace period. */
  whenUnavailable: Readonly<{ mode: 'keep' }> | Readonly<{ mode: 'requeue'; graceMs: number }>;
}>;

export const DEFAULT_DISPATCH_RULES: DispatchRules = {
  supervisorQueue: 'supervisor',
  queueClearances: { 'security-emergency': ['security'], supervisor: ['supervisor'], triage: ['supervisor'] },
  anySkillQueues: ['supervisor', 'triage'],
  capacityDefaults: DEFAULT_AGENT_CAPACITY,
  whenUnavailable: { mode: 'requeue', graceMs: 10 * 60_000 },
};

/** A ticket waiting in a queue, as the dispatcher sees it. */
export type WaitingTicket = Readonly<{
  ticketId: string;
  queue: string;
  channel: Channel;
  language: Language;
  category: Category | null;
  priority: Priority | null;
  /** The earliest due time of its running SLA clocks, if known. */
  slaDueAt: string | null;
  queuedAt: string;
}>;

/** An agent as the dispatcher sees it. */
export type AgentCandidate = Readonly<{
  agentId: string;
  profile: AgentProfile;
  availability: AgentAvailability;
  retired: boolean;
  held: Readonly<Record<string, Channel>>;
  lastTakenAt: string | null;
}>;

const WEEKDAY_OF_LUXON = ['', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const minutesOf = (time: string): number => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

/** Whether `at` falls in one of the agent's shifts, in its time zone (no shifts: always). An overnight shift runs past midnight into the next day. */
export function isOnShift(profile: AgentProfile, at: Date): boolean {
  if (profile.shifts.length === 0) return true;
  const local = DateTime.fromJSDate(at, { zone: profile.timeZone ?? 'UTC' });
  const today = WEEKDAY_OF_LUXON[local.weekday];
  const yesterday = WEEKDAY_OF_LUXON[local.minus({ days: 1 }).weekday];
  const minute = local.hour * 60 + local.minute;
  return profile.shifts.some((shift) => {
    const start = minutesOf(shift.start);
    const end = minutesOf(shift.end);
    if (start < end) return shift.days.includes(today as never) && minute >= start && minute < end;
    return (shift.days.includes(today as never) && minute >= start) || (shift.days.includes(yesterday as never) && minute < end);
  });
}

const rank = (priority: Priority | null): number => PRIORITIES.indexOf(priority ?? 'normal');

/** The order tickets are taken in: priority, then SLA due time, then age (then id, for a stable order). */
export function dispatchOrder(a: WaitingTicket, b: WaitingTicket): number {
  return (
    rank(b.priority) - rank(a.priority) ||
    (a.slaDueAt ?? '\uffff').localeCompare(b.slaDueAt ?? '\uffff') ||
    a.queuedAt.localeCompare(b.queuedAt) ||
    a.ticketId.localeCompare(b.ticketId)
  );
}

/** Why an agent may not take a ticket now, or null when it may. */
export function ineligibility(ticket: WaitingTicket, agent: AgentCandidate, rules: DispatchRules, at: Date): string | null {
  if (agent.retired) return 'retired';
  if (agent.availability !== 'online') return agent.availability;
  if (!isOnShift(agent.profile, at)) return 'off shift';
  if (!agent.profile.languages.includes(ticket.language)) return `no ${ticket.language}`;
  const needed = rules.queueClearances[ticket.queue] ?? [];
  const missing = needed.filter((clearance) => !agent.profile.clearances.includes(clearance));
  if (missing.length > 0) return `no ${missing.join(', ')} clearance`;
  if (ticket.category !== null && !rules.anySkillQueues.includes(ticket.queue) && !agent.profile.skills.includes(ticket.category)) return `no ${ticket.category} skill`;
  const capacity = capacityOf(agent.profile, ticket.channel, rules.capacityDefaults);
  if (loadOn(agent, ticket.channel) >= capacity) return `full (${capacity} ${ticket.channel})`;
  return null;
}

/** How loaded an agent is on a channel, 0–1: the least loaded goes first. */
const loadShare = (agent: AgentCandidate, channel: Channel, rules: DispatchRules): number => loadOn(agent, channel) / capacityOf(agent.profile, channel, rules.capacityDefaults);

/** Agents able to take the ticket, best first: least loaded, then longest idle, then id. */
export function rankAgents(ticket: WaitingTicket, agents: readonly AgentCandidate[], rules: DispatchRules, at: Date): AgentCandidate[] {
  return agents
    .filter((agent) => ineligibility(ticket, agent, rules, at) === null)
    .map((agent) => ({ agent, share: loadShare(agent, ticket.channel, rules), lastTakenAt: agent.lastTakenAt, agentId: agent.agentId }))
    .sort(preferred)
    .map(({ agent }) => agent);
}

/** Who goes first among eligible agents: the least loaded share of the channel, then the longest idle, then the id. */
function preferred(a: Readonly<{ share: number; lastTakenAt: string | null; agentId: string }>, b: Readonly<{ share: number; lastTakenAt: string | null; agentId: string }>): number {
  return a.share - b.share || (a.lastTakenAt ?? '').localeCompare(b.lastTakenAt ?? '') || a.agentId.localeCompare(b.agentId);
}

/** Why no agent could take a ticket: the reasons, most common first (e.g. "3 offline, 1 full (3 chat)"). */
export function unassignedReason(ticket: WaitingTicket, agents: readonly AgentCandidate[], rules: DispatchRules, at: Date): string {
  if (agents.length === 0) return 'no agents';
  const counts = new Map<string, number>();
  for (const agent of agents) {
    const reason = ineligibility(ticket, agent, rules, at) ?? 'kept for emergencies (surge)';
    counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort(([, a], [, b]) => b - a)
    .map(([reason, count]) => `${count} ${reason}`)
    .join(', ');
}

export type PlannedAssignment = Readonly<{ ticketId: string; agentId: string; reason: string }>;

/** Whether an agent has room for one more ticket on some channel it could be given. */
export const hasRoom = (agent: AgentCandidate, rules: DispatchRules): boolean =>
  (Object.keys(rules.capacityDefaults) as Channel[]).some((channel) => loadOn(agent, channel) < capacityOf(agent.profile, channel, rules.capacityDefaults));

/** One agent during planning: its loads per channel counted as the plan goes. */
type PlanningAgent = { candidate: AgentCandidate; load: Map<Channel, number>; lastTakenAt: string | null };

/**
 * Who should take which waiting ticket now, greedily in dispatch order, counting each planned
 * assignment against the agent's capacity. In peak mode (an inflow surge) agents cleared for
 * security take emergencies only, so an emergency arriving in the surge finds them free: the rest
 * degrades predictably, emergencies do not. The plan is a proposal: each assignment is still
 * decided on the agent's and the ticket's streams. Availability and shifts are read once per
 * agent, and a ticket is weighed only against the agents speaking its language with room on its
 * channel, so a long backlog of tickets nobody can take costs little.
 */
export function planAssignments(tickets: readonly WaitingTicket[], agents: readonly AgentCandidate[], rules: DispatchRules, at: Date, peak: boolean): PlannedAssignment[] {
  const byLanguage = new Map<Language, PlanningAgent[]>();
  for (const candidate of agents) {
    if (candidate.retired || candidate.availability !== 'online' || !hasRoom(candidate, rules) || !isOnShift(candidate.profile, at)) continue;
    const planning: PlanningAgent = { candidate, load: new Map(), lastTakenAt: candidate.lastTakenAt };
    for (const channel of Object.values(candidate.held)) planning.load.set(channel, (planning.load.get(channel) ?? 0) + 1);
    for (const language of candidate.profile.languages) byLanguage.set(language, [...(byLanguage.get(language) ?? []), planning]);
  }
  const capacity = (agent: PlanningAgent, channel: Channel) => capacityOf(agent.candidate.profile, channel, rules.capacityDefaults);
  const share = (agent: PlanningAgent, channel: Channel) => (agent.load.get(channel) ?? 0) / capacity(agent, channel);
  const stamp = at.toISOString();
  const assignments: PlannedAssignment[] = [];
  for (const ticket of [...tickets].sort(dispatchOrder)) {
    const speakers = byLanguage.get(ticket.language);
    if (speakers === undefined) continue;
    const emergency = ticket.priority === 'emergency';
    const needed = rules.queueClearances[ticket.queue] ?? [];
    const anySkill = ticket.category === null || rules.anySkillQueues.includes(ticket.queue);
    let chosen: PlanningAgent | undefined;
    const ranked = (agent: PlanningAgent) => ({ share: share(agent, ticket.channel), lastTakenAt: agent.lastTakenAt, agentId: agent.candidate.agentId });
    for (const agent of speakers) {
      const { profile } = agent.candidate;
      if ((agent.load.get(ticket.channel) ?? 0) >= capacity(agent, ticket.channel)) continue;
      if (!needed.every((clearance) => profile.clearances.includes(clearance))) continue;
      if (!anySkill && !profile.skills.includes(ticket.category!)) continue;
      if (peak && !emergency && profile.clearances.includes('security')) continue;
      if (chosen === undefined || preferred(ranked(agent), ranked(chosen)) < 0) chosen = agent;
    }
    if (chosen === undefined) continue;
    const percent = Math.round(share(chosen, ticket.channel) * 100);
    assignments.push({ ticketId: ticket.ticketId, agentId: chosen.candidate.agentId, reason: `least loaded eligible agent (${percent}% of its ${ticket.channel} capacity)` });
    chosen.load.set(ticket.channel, (chosen.load.get(ticket.channel) ?? 0) + 1);
    chosen.lastTakenAt = stamp;
  }
  return assignments;
}
