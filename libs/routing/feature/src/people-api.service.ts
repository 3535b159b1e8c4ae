import { Inject, Injectable } from '@nestjs/common';
import { AGENT_AVAILABILITIES, CHANNELS, type AgentAvailability, type AgentProfile, type Channel } from '@ticketing/contracts';
import { CLOCK, ConflictError, DomainError, ForbiddenError, IllegalStateError, NotFoundError, ValidationError, type Clock } from '@ticketing/kernel';
import { hasAnyRole, toEventActor, type AuthenticatedActor } from '@ticketing/platform';
import { capacityOf, isOnShift, loadOn, type AgentState, type RoutedState, type RoutingRules } from '@ticketing/routing-domain';
import { AgentCommandsService } from './agents/agent-commands.service';
import type { AgentRow } from './agents/routing-agents.projection';
import { AssignmentService } from './dispatch/assignment.service';
import { agentCandidateOf } from './dispatch/dispatcher.task';
import type { AgentPageResponse, AgentResponse, PutAgentRequest } from './http/agents.dto';
import type { MyTicketsResponse, RoutedTicketResponse } from './http/routing.dto';
import { RoutingMetrics } from './metrics/routing.metrics';
import { RoutingBoardQuery } from './queues/routing-board.query';
import { knownQueues, toRoutedResponse, toRoutedTicketResponse } from './routing-api.service';
import { ROUTING_RULES } from './routing-rules.config';

/** An agent as both its stream and the read model know it. */
type AgentFacts = Readonly<{
  agentId: string;
  profile: AgentProfile;
  availability: AgentAvailability;
  availableSince: string | null;
  retired: boolean;
  held: Readonly<Record<string, Channel>>;
  lastTakenAt: string | null;
}>;

const factsOfState = (agentId: string, state: AgentState): AgentFacts => ({
  agentId,
  profile: state.profile!,
  availability: state.availability,
  availableSince: state.availableSince,
  retired: state.retired,
  held: state.held,
  lastTakenAt: state.lastTakenAt,
});

const factsOfRow = (row: AgentRow): AgentFacts => ({ ...agentCandidateOf(row), availableSince: row.available_since });

/** The profile as stored: fields in one order, only the channels given, so the same PUT again appends nothing. */
export function profileOf(request: PutAgentRequest): AgentProfile {
  const capacity: Partial<Record<Channel, number>> = {};
  for (const channel of CHANNELS) {
    const count = request.capacity?.[channel];
    if (count !== undefined) capacity[channel] = count;
  }
  return {
    displayName: request.displayName,
    languages: [...request.languages],
    skills: [...request.skills],
    clearances: [...(request.clearances ?? [])],
    capacity,
    timeZone: request.timeZone ?? null,
    shifts: (request.shifts ?? []).map(({ days, start, end }) => ({ days: [...days], start, end })),
  };
}

const SUPERVISING = ['supervisor', 'admin'] as const;
const isSupervising = (actor: AuthenticatedActor): boolean => hasAnyRole(actor, SUPERVISING);

type Cursor = Readonly<{ retired: number; agentId: string }>;
const encodeCursor = (cursor: Cursor): string => Buffer.from(JSON.stringify([cursor.retired, cursor.agentId])).toString('base64url');
function decodeCursor(text: string): Cursor {
  try {
    const [retired, agentId] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown[];
    if ((retired === 0 || retired === 1) && typeof agentId === 'string' && agentId.length <= 128) return { retired, agentId };
  } catch {
    // Falls through to the refusal.
  }
  throw new ValidationError('cursor is not a nextCursor this API answered', [{ field: 'cursor', message: 'must be the nextCursor of the previous page' }]);
}

/**
 * Routing to people as REST and gRPC both answer it: agents (profiles, availability, retirement),
 * assignments by hand, claims, releases, transfers, escalations and an agent's own tickets. Who may
 * do what is decided here, for both transports: supervisors and admins everything; an agent its own
 * availability, the tickets it holds, and waiting tickets of the queues its clearances allow.
 */
@Injectable()
export class PeopleApiService {
  private readonly queueNames: ReadonlySet<string>;

  constructor(
    @Inject(ROUTING_RULES) private readonly rules: RoutingRules,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly agents: AgentCommandsService,
    private readonly assignments: AssignmentService,
    private readonly board: RoutingBoardQuery,
    private readonly metrics: RoutingMetrics,
  ) {
    this.queueNames = knownQueues(rules);
  }

  private toAgentResponse(agent: AgentFacts): AgentResponse {
    const { profile } = agent;
    const perChannel = (count: (channel: Channel) => number) => Object.fromEntries(CHANNELS.map((channel) => [channel, count(channel)])) as Record<Channel, number>;
    return {
      agentId: agent.agentId,
      displayName: profile.displayName,
      languages: [...profile.languages],
      skills: [...profile.skills],
      clearances: [...profile.clearances],
      capacity: { ...profile.capacity },
      limits: perChannel((channel) => capacityOf(profile, channel, this.rules.dispatch.capacityDefaults)),
      load: perChannel((channel) => loadOn(agent, channel)),
      timeZone: profile.timeZone,
      shifts: profile.shifts.map(({ days, start, end }) => ({ days: [...days], start, end })),
      availability: agent.availability,
      availableSince: agent.availableSince,
      onShift: isOnShift(profile, this.clock.now()),
      retired: agent.retired,
      heldTickets: Object.keys(agent.held).sort(),
      lastTakenAt: agent.lastTakenAt,
    };
  }

  private async agentState(agentId: string): Promise<AgentFacts> {
    const state = await this.agents.state(agentId);
    if (state.profile === null) throw new NotFoundError(`Agent ${agentId} does not exist`);
    return factsOfState(agentId, state);
  }

  // ── agents ──

  async putAgent(agentId: string, request: PutAgentRequest, actor: AuthenticatedActor): Promise<AgentResponse> {
    await this.agents.saveProfile(agentId, profileOf(request), toEventActor(actor));
    return this.toAgentResponse(await this.agentState(agentId));
  }

  async getAgent(agentId: string): Promise<AgentResponse> {
    return this.toAgentResponse(await this.agentState(agentId));
  }

  async listAgents(query: Readonly<{ limit?: string | number; cursor?: string; availability?: string }>): Promise<AgentPageResponse> {
    const limit = query.limit === undefined || query.limit === '' ? 20 : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new ValidationError('limit is an integer from 1 to 100', [{ field: 'limit', message: 'must be an integer from 1 to 100' }]);
    const availability = query.availability === undefined || query.availability === '' ? undefined : query.availability;
    if (availability !== undefined && !(AGENT_AVAILABILITIES as readonly string[]).includes(availability)) {
      throw new ValidationError(`availability is one of ${AGENT_AVAILABILITIES.join(', ')}`, [{ field: 'availability', message: `must be one of ${AGENT_AVAILABILITIES.join(', ')}` }]);
    }
    const after = query.cursor === undefined || query.cursor === '' ? undefined : decodeCursor(query.cursor);
    const rows = await this.board.agentsPage({ after, limit: limit + 1, availability });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((row) => this.toAgentResponse(factsOfRow(row))),
      nextCursor: rows.length > limit && last !== undefined ? encodeCursor({ retired: Number(last.retired), agentId: last.agent_id }) : null,
    };
  }

  /** Retires the agent and gives each ticket it holds back to its queue. */
  async retireAgent(agentId: string, actor: AuthenticatedActor): Promise<AgentResponse> {
    const by = toEventActor(actor);
    await this.agents.retire(agentId, by);
    const { held } = await this.agentState(agentId);
    for (const ticketId of Object.keys(held)) {
      try {
        await this.assignments.release(ticketId, agentId, 'agent_retired', by);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        // A reservation whose ticket is held by someone else (a lost race): just give it back.
        await this.assignments.dropCapacity(agentId, ticketId, 'agent_retired', by);
      }
    }
    return this.toAgentResponse(await this.agentState(agentId));
  }

  async setAvailability(agentId: string, status: AgentAvailability, actor: AuthenticatedActor): Promise<AgentResponse> {
    if (!isSupervising(actor) && actor.id !== agentId) throw new ForbiddenError(`An agent sets its own availability only (${actor.id}, not ${agentId}); supervisors and admins set anyone's`);
    await this.agents.setAvailability(agentId, status, toEventActor(actor));
    return this.toAgentResponse(await this.agentState(agentId));
  }

  // ── tickets ──

  /** Whether an agent (not supervising) may act on a ticket: it holds it, or it waits in a queue the agent is cleared for. */
  private async mayAct(ticket: RoutedState, actor: AuthenticatedActor, action: string): Promise<void> {
    if (isSupervising(actor) || ticket.holder === actor.id) return;
    if (ticket.holder !== null) throw new ForbiddenError(`Ticket ${ticket.ticketId} is held by another agent: only it, a supervisor or an admin may ${action} it`);
    const agent = await this.agents.state(actor.id);
    if (agent.profile === null) throw new ForbiddenError(`${actor.id} is not an agent: create it with PUT /v1/routing/agents/${actor.id}`);
    const queue = ticket.queue ?? 'triage';
    const missing = (this.rules.dispatch.queueClearances[queue] ?? []).filter((clearance) => !agent.profile!.clearances.includes(clearance));
    if (missing.length > 0) throw new ForbiddenError(`Queue ${queue} needs the ${missing.join(', ')} clearance`, { queue, missing });
  }

  /** A supervisor's assignment: to an online agent with room on the ticket's channel and the clearances of its queue. */
  async assign(ticketId: string, agentId: string, reason: string | undefined, actor: AuthenticatedActor): Promise<RoutedTicketResponse> {
    const ticket = await this.assignments.routed(ticketId);
    const agent = await this.agentState(agentId);
    const queue = ticket.queue ?? 'triage';
    const missing = (this.rules.dispatch.queueClearances[queue] ?? []).filter((clearance) => !agent.profile.clearances.includes(clearance));
    if (missing.length > 0) throw new ConflictError(`Agent ${agentId} lacks the ${missing.join(', ')} clearance queue ${queue} needs`, { agentId, queue, missing });
    const before = ticket.holder;
    const after = await this.assignments.assign(ticketId, agentId, { rule: 'manual', reason: reason ?? `assigned by ${actor.id}`, actor: toEventActor(actor), requireOnline: true });
    if (before !== agentId && after.holder === agentId) this.metrics.assigned('manual');
    return toRoutedResponse(after);
  }

  /** The calling agent takes a waiting ticket from a queue its clearances allow. */
  async claim(ticketId: string, actor: AuthenticatedActor): Promise<RoutedTicketResponse> {
    const before = (await this.assignments.routed(ticketId)).holder;
    const after = await this.assignments.claim(ticketId, toEventActor(actor));
    if (before !== actor.id && after.holder === actor.id) this.metrics.assigned('claim');
    return toRoutedResponse(after);
  }

  /** The holder (or a supervisor, an admin) lets go: the ticket waits in its queue again. */
  async release(ticketId: string, note: string | undefined, actor: AuthenticatedActor): Promise<RoutedTicketResponse> {
    const ticket = await this.assignments.routed(ticketId);
    if (ticket.holder === null) throw new IllegalStateError(ticket.finished ? 'finished' : 'waiting', 'release', `Ticket ${ticketId} is not held by anyone: nothing to release`);
    if (!isSupervising(actor) && ticket.holder !== actor.id) throw new ForbiddenError(`Ticket ${ticketId} is held by another agent: only it, a supervisor or an admin may release it`);
    return toRoutedResponse(await this.assignments.release(ticketId, ticket.holder, 'released', toEventActor(actor), note));
  }

  /** To a queue the rules know and/or an agent (through its capacity): a counted transfer. */
  async transfer(ticketId: string, target: Readonly<{ toQueue?: string; toAgentId?: string }>, reason: string, actor: AuthenticatedActor): Promise<RoutedTicketResponse> {
    const toQueue = target.toQueue ?? null;
    const toAgentId = target.toAgentId ?? null;
    if (toQueue === null && toAgentId === null) throw new ValidationError('A transfer names a queue or an agent', [{ field: 'toQueue', message: 'give toQueue or toAgentId' }]);
    if (toQueue !== null && !this.queueNames.has(toQueue) && !(await this.board.queueSeen(toQueue))) {
      throw new ValidationError(`Queue ${toQueue} does not exist: no routing rule places tickets there`, [{ field: 'toQueue', message: `unknown queue ${toQueue}` }]);
    }
    const ticket = await this.assignments.routed(ticketId);
    await this.mayAct(ticket, actor, 'transfer');
    const after = await this.assignments.transfer(ticketId, { toQueue, toAgentId }, reason, toEventActor(actor));
    if (toAgentId !== null && ticket.holder !== toAgentId && after.holder === toAgentId) this.metrics.assigned('transfer');
    return toRoutedResponse(after);
  }

  /** Priority one step up and to the supervisors' queue; a holder without the supervisor clearance lets go. */
  async escalate(ticketId: string, reason: string, actor: AuthenticatedActor): Promise<RoutedTicketResponse> {
    const ticket = await this.assignments.routed(ticketId);
    await this.mayAct(ticket, actor, 'escalate');
    await this.assignments.escalate(ticketId, { kind: 'manual', eventId: null, reason }, toEventActor(actor));
    return toRoutedResponse(await this.assignments.routed(ticketId));
  }

  /** The tickets the caller holds (the board, by assignee). */
  async myTickets(actor: AuthenticatedActor): Promise<MyTicketsResponse> {
    const rows = await this.board.heldBy(actor.id);
    const tickets = await Promise.all(
      rows.map(async (row) => {
        const state = await this.assignments.ticket(row.ticket_id);
        return toRoutedTicketResponse(row, state.status === 'unrouted' ? 0 : state.transfers);
      }),
    );
    return { tickets };
  }
}
