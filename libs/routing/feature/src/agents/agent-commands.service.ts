import { Inject, Injectable } from '@nestjs/common';
import { routingStreams, type AgentAvailability, type AgentEvent, type AgentProfile } from '@ticketing/contracts';
import { EVENT_STORE, handleCommand, type EventStore } from '@ticketing/event-store';
import { CorrelationContext } from '@ticketing/platform';
import { CLOCK, foldEvents, newId, type Actor, type Clock, type EventMetadata } from '@ticketing/kernel';
import { agentDecider, type AgentCommand, type AgentState } from '@ticketing/routing-domain';

/** Commands and reads of the `agent-<id>` streams: profiles, availability, retirement, and the capacity side of assignments. */
@Injectable()
export class AgentCommandsService {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

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

  async saveProfile(agentId: string, profile: AgentProfile, actor: Actor): Promise<AgentState> {
    return this.run({ type: 'SaveAgentProfile', data: { agentId, profile, by: actor.id, now: this.now() } }, actor);
  }

  async setAvailability(agentId: string, to: AgentAvailability, actor: Actor): Promise<AgentState> {
    return this.run({ type: 'ChangeAgentAvailability', data: { agentId, to, by: actor.id, now: this.now() } }, actor);
  }

  async retire(agentId: string, actor: Actor): Promise<AgentState> {
    return this.run({ type: 'RetireAgent', data: { agentId, by: actor.id, now: this.now() } }, actor);
  }

  /** One agent, folded from its stream: never behind a write just made. */
  async state(agentId: string): Promise<AgentState> {
    const events: AgentEvent[] = [];
    for await (const recorded of this.eventStore.readStream(routingStreams.agent(agentId))) events.push(recorded as unknown as AgentEvent);
    return foldEvents(agentDecider, events);
  }


}
