import { IANAZone } from 'luxon';
import {
  AGENT_CLEARANCES,
  CATEGORIES,
  CHANNELS,
  LANGUAGES,
  type AgentAvailability,
  type AgentEvent,
  type AgentProfile,
  type Channel,
} from '@ticketing/contracts';
import { assertNever, ConflictError, IllegalStateError, NotFoundError, ValidationError, type Command, type Decider } from '@ticketing/kernel';
import { evolveAgent, initialAgentState, loadOn, type AgentState } from './agent.state';

export const AGENT_SCHEMA_VERSION = 1;
/** The most tickets of one channel an agent may be given at once: beyond it a number is a typo. */
export const MAX_AGENT_CAPACITY = 100;
const WEEKDAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;

/** Open tickets per channel an agent holds at most when its profile does not say. */
export type CapacityDefaults = Readonly<Record<Channel, number>>;
export const DEFAULT_AGENT_CAPACITY: CapacityDefaults = { chat: 3, email: 10, web_form: 10, social: 5, api: 10 };

export type SaveAgentProfile = Command<'SaveAgentProfile', { agentId: string; profile: AgentProfile; by: string; now: string }>;
export type ChangeAgentAvailability = Command<'ChangeAgentAvailability', { agentId: string; to: AgentAvailability; by: string; now: string }>;
export type RetireAgent = Command<'RetireAgent', { agentId: string; by: string; now: string }>;
/** Reserve capacity for a ticket: refused (409, naming the limit) when the agent is full, offline (`requireOnline`) or retired. */
export type TakeTicket = Command<
  'TakeTicket',
  { agentId: string; ticketId: string; channel: Channel; capacityDefaults: CapacityDefaults; requireOnline: boolean; now: string; reservationId?: string }
>;
/** Give capacity back: only the reservation named (when one is), so a late drop of an older holding leaves a newer one alone. */
export type DropTicket = Command<'DropTicket', { agentId: string; ticketId: string; reason: string; now: string; reservationId?: string }>;

export type AgentCommand = SaveAgentProfile | ChangeAgentAvailability | RetireAgent | TakeTicket | DropTicket;

const event = <E extends AgentEvent>(type: E['type'], data: E['data']): E => ({ type, schemaVersion: AGENT_SCHEMA_VERSION, data }) as E;

/** The capacity of a channel: the profile's, else the default. */
export const capacityOf = (profile: AgentProfile, channel: Channel, defaults: CapacityDefaults): number => profile.capacity[channel] ?? defaults[channel];

const listOf = (value: unknown): unknown[] | null => (Array.isArray(value) ? value : null);

/** Every problem of an agent profile, each naming its field. */
export function agentProfileProblems(profile: unknown): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  if (typeof profile !== 'object' || profile === null) return [{ field: 'profile', message: 'must be an object' }];
  const { displayName, languages, skills, clearances, capacity, timeZone, shifts } = profile as Record<string, unknown>;
  if (typeof displayName !== 'string' || displayName.trim().length === 0 || displayName.length > 100) problems.push({ field: 'displayName', message: 'must be 1–100 characters' });
  const checkList = (field: string, value: unknown, allowed: readonly string[], minimum: number) => {
    const list = listOf(value);
    if (list === null || list.length < minimum || list.length > allowed.length) return void problems.push({ field, message: `must list ${minimum === 0 ? 'any' : 'at least one'} of ${allowed.join(', ')}` });
    for (const item of list) if (typeof item !== 'string' || !allowed.includes(item)) problems.push({ field, message: `${JSON.stringify(item)} is not one of ${allowed.join(', ')}` });
    if (new Set(list).size !== list.length) problems.push({ field, message: 'lists a value twice' });
  };
  checkList('languages', languages, LANGUAGES, 1);
  checkList('skills', skills, CATEGORIES, 1);
  checkList('clearances', clearances, AGENT_CLEARANCES, 0);
  if (typeof capacity !== 'object' || capacity === null || Array.isArray(capacity)) problems.push({ field: 'capacity', message: 'must be an object of channel → open tickets' });
  else {
    for (const [channel, value] of Object.entries(capacity)) {
      if (!(CHANNELS as readonly string[]).includes(channel)) problems.push({ field: `capacity.${channel}`, message: `is not a channel (${CHANNELS.join(', ')})` });
      else if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_AGENT_CAPACITY) {
        problems.push({ field: `capacity.${channel}`, message: `must be a whole number from 1 to ${MAX_AGENT_CAPACITY} (an agent who should get none of a channel: leave the skill or go away)` });
      }
    }
  }
  if (timeZone !== null && (typeof timeZone !== 'string' || !IANAZone.isValidZone(timeZone))) problems.push({ field: 'timeZone', message: `${JSON.stringify(timeZone)} is not an IANA time zone (e.g. Asia/Seoul)` });
  const shiftList = listOf(shifts);
  if (shiftList === null || shiftList.length > 28) problems.push({ field: 'shifts', message: 'must be a list of at most 28 shifts' });
  else {
    shiftList.forEach((shift, index) => {
      const field = `shifts[${index}]`;
      const { days, start, end } = (shift ?? {}) as Record<string, unknown>;
      const dayList = listOf(days);
      if (dayList === null || dayList.length === 0 || dayList.some((day) => !(WEEKDAY_NAMES as readonly unknown[]).includes(day))) problems.push({ field: `${field}.days`, message: `must list days of ${WEEKDAY_NAMES.join(', ')}` });
      if (typeof start !== 'string' || !TIME.test(start) || start === '24:00') problems.push({ field: `${field}.start`, message: 'must be HH:mm' });
      if (typeof end !== 'string' || !TIME.test(end)) problems.push({ field: `${field}.end`, message: 'must be HH:mm (24:00 for midnight)' });
      // An overnight shift (22:00–06:00) runs into the next day.
      if (typeof start === 'string' && start === end) problems.push({ field, message: 'starts and ends at the same time' });
    });
  }
  return problems;
}

function existing(state: AgentState, agentId: string): AgentState & { profile: AgentProfile } {
  if (state.profile === null) throw new NotFoundError(`Agent ${agentId} does not exist`);
  return state as AgentState & { profile: AgentProfile };
}

function decide(command: AgentCommand, state: AgentState): readonly AgentEvent[] {
  const { agentId, now } = command.data;
  switch (command.type) {
    case 'SaveAgentProfile': {
      const problems = agentProfileProblems(command.data.profile);
      if (problems.length > 0) throw new ValidationError(`Invalid agent ${agentId}: ${problems.map((problem) => `${problem.field} ${problem.message}`).join('; ')}`, problems);
      if (state.retired) throw new IllegalStateError('retired', 'edit', `Agent ${agentId} is retired`);
      if (state.profile !== null && JSON.stringify(state.profile) === JSON.stringify(command.data.profile)) return [];
      return [event('AgentProfileSaved', { agentId, profile: command.data.profile, savedBy: command.data.by, savedAt: now })];
    }
    case 'ChangeAgentAvailability': {
      const agent = existing(state, agentId);
      if (agent.retired) throw new IllegalStateError('retired', 'change availability', `Agent ${agentId} is retired`);
      if (agent.availability === command.data.to) return [];
      return [event('AgentAvailabilityChanged', { agentId, from: agent.availability, to: command.data.to, by: command.data.by, changedAt: now })];
    }
    case 'RetireAgent': {
      const agent = existing(state, agentId);
      if (agent.retired) return [];
      return [event('AgentRetired', { agentId, by: command.data.by, retiredAt: now })];
    }
    case 'TakeTicket': {
      const { ticketId, channel, capacityDefaults, requireOnline, reservationId } = command.data;
      const agent = existing(state, agentId);
      if (agent.held[ticketId] !== undefined) {
        // The same reservation again (a retry) changes nothing; an older one of the same ticket (its release still on its way) is taken over, counted once.
        const current = agent.reservations[ticketId]?.id ?? null;
        if (reservationId === undefined || current === reservationId) return [];
        if (agent.retired) throw new ConflictError(`Agent ${agentId} is retired`, { agentId });
        if (requireOnline && agent.availability !== 'online') throw new ConflictError(`Agent ${agentId} is ${agent.availability}`, { agentId, availability: agent.availability });
        return [event('AgentTicketTaken', { agentId, ticketId, channel: agent.held[ticketId]!, takenAt: now, reservationId })];
      }
      if (agent.retired) throw new ConflictError(`Agent ${agentId} is retired`, { agentId });
      if (requireOnline && agent.availability !== 'online') throw new ConflictError(`Agent ${agentId} is ${agent.availability}`, { agentId, availability: agent.availability });
      const capacity = capacityOf(agent.profile, channel, capacityDefaults);
      const load = loadOn(agent, channel);
      if (load >= capacity) throw new ConflictError(`Agent ${agentId} holds ${load} ${channel} tickets, its limit is ${capacity}`, { agentId, channel, load, capacity });
      return [event('AgentTicketTaken', { agentId, ticketId, channel, takenAt: now, ...(reservationId !== undefined ? { reservationId } : {}) })];
    }
    case 'DropTicket': {
      const { ticketId, reservationId } = command.data;
      const channel = state.held[ticketId];
      if (channel === undefined) return [];
      if (reservationId !== undefined && (state.reservations[ticketId]?.id ?? null) !== reservationId) return [];
      return [event('AgentTicketDropped', { agentId, ticketId, channel, reason: command.data.reason, droppedAt: now, ...(reservationId !== undefined ? { reservationId } : {}) })];
    }
    default:
      return assertNever(command);
  }
}

/** The write model of routing's `agent-<agentId>` streams: profile, availability and capacity, never exceeded. */
export const agentDecider: Decider<AgentState, AgentCommand, AgentEvent> = {
  initialState: initialAgentState,
  evolve: evolveAgent,
  decide,
};
