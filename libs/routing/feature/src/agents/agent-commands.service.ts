import { Inject, Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { routingStreams, type AgentAvailability, type AgentEvent, type AgentProfile } from '@ticketing/contracts';
import { EVENT_STORE, handleCommand, type EventStore } from '@ticketing/event-store';
import { CorrelationContext } from '@ticketing/platform';
import { CLOCK, foldEvents, newId, NotFoundError, type Actor, type Clock, type EventMetadata } from '@ticketing/kernel';
import { READ_STORE, type ReadStore } from '@ticketing/read-store';
import { agentDecider, type AgentCommand, type AgentState } from '@ticketing/routing-domain';
import type { AgentRow, RoutingAgentTables } from './routing-agents.projection';

/** An agent as the API shows it. */
export type AgentView = Readonly<{
  agentId: string;
  profile: AgentProfile;
  availability: AgentAvailability;
  availableSince: string | null;
  retired: boolean;
  heldTickets: readonly string[];
  lastTakenAt: string | null;
}>;

const viewOfState = (agentId: string, state: AgentState): AgentView => ({
  agentId,
  profile: state.profile!,
  availability: state.availability,
  availableSince: state.availableSince,
  retired: state.retired,
  heldTickets: Object.keys(state.held).sort(),
  lastTakenAt: state.lastTakenAt,
});

const viewOfRow = (row: AgentRow): AgentView => ({
  agentId: row.agent_id,
  profile: JSON.parse(row.profile) as AgentProfile,
  availability: row.availability as AgentAvailability,
  availableSince: row.available_since,
  retired: Number(row.retired) === 1,
  heldTickets: Object.keys(JSON.parse(row.held) as object).sort(),
  lastTakenAt: row.last_taken_at,
});

/** Commands and reads of the `agent-<id>` streams: profiles, availability, retirement, and the capacity side of assignments. */
@Injectable()
export class AgentCommandsService {
  private readonly db: Kysely<RoutingAgentTables>;

  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(READ_STORE) readStore: ReadStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.db = readStore.db as unknown as Kysely<RoutingAgentTables>;
  }

  now(): string {
    return this.clock.now().toISOString();
  }

  /** Runs a command on an agent's stream at the revision read; the new state and whether anything was appended. */
  async run(command: AgentCommand, actor: Actor, cause?: Readonly<{ correlationId: string; causationId: string; eventId?: (event: AgentEvent, index: number) => string }>): Promise<AgentState> {
    // A request's events carry its correlation id (the id its answer names).
    const correlationId = cause?.correlationId ?? CorrelationContext.currentCorrelationId() ?? newId();
    const metadata: EventMetadata = { correlationId, causationId: cause?.causationId ?? correlationId, actor, occurredAt: this.now() };
    const result = await handleCommand(this.eventStore, routingStreams.agent(command.data.agentId), agentDecider, command, { metadata, eventId: cause?.eventId, maxRetries: 10 });
    return result.newState;
  }

  async saveProfile(agentId: string, profile: AgentProfile, actor: Actor): Promise<AgentView> {
    return viewOfState(agentId, await this.run({ type: 'SaveAgentProfile', data: { agentId, profile, by: actor.id, now: this.now() } }, actor));
  }

  async setAvailability(agentId: string, to: AgentAvailability, actor: Actor): Promise<AgentView> {
    return viewOfState(agentId, await this.run({ type: 'ChangeAgentAvailability', data: { agentId, to, by: actor.id, now: this.now() } }, actor));
  }

  async retire(agentId: string, actor: Actor): Promise<AgentView> {
    return viewOfState(agentId, await this.run({ type: 'RetireAgent', data: { agentId, by: actor.id, now: this.now() } }, actor));
  }

  /** One agent, folded from its stream: never behind a write just made. */
  async state(agentId: string): Promise<AgentState> {
    const events: AgentEvent[] = [];
    for await (const recorded of this.eventStore.readStream(routingStreams.agent(agentId))) events.push(recorded as unknown as AgentEvent);
    return foldEvents(agentDecider, events);
  }

  async get(agentId: string): Promise<AgentView> {
    const state = await this.state(agentId);
    if (state.profile === null) throw new NotFoundError(`Agent ${agentId} does not exist`);
    return viewOfState(agentId, state);
  }

  /** Every agent (read model), retired ones last. */
  async list(): Promise<AgentView[]> {
    const rows = await this.db.selectFrom('routing_agents').selectAll().orderBy('retired').orderBy('agent_id').execute();
    return rows.map(viewOfRow);
  }
}
