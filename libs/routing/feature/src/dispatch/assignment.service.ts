import { Inject, Injectable } from '@nestjs/common';
import { routingStreams, type AgentEvent, type AssignmentRule, type RoutingTicketEvent } from '@ticketing/contracts';
import { EVENT_STORE, handleCommand, type EventStore } from '@ticketing/event-store';
import { CorrelationContext } from '@ticketing/platform';
import { deterministicId, ForbiddenError, foldEvents, IllegalStateError, newId, NotFoundError, ConflictError, ValidationError, type Actor, type EventMetadata } from '@ticketing/kernel';
import { decideRouting, routingDecider, type RoutedState, type RoutingCommand, type RoutingRules, type RoutingState } from '@ticketing/routing-domain';
import { AgentCommandsService } from '../agents/agent-commands.service';
import { ROUTING_RULES } from '../routing-rules.config';

const QUEUE_NAME = /^[a-z0-9-]{1,64}$/;

/** What caused a routing command: another event (deterministic ids: a redelivery appends nothing new) or a request. */
export type RoutingCause = Readonly<{ correlationId: string; causationId: string; eventIdSeed?: string }>;

/**
 * Assignments across two streams: the agent's capacity is reserved on `agent-<id>` first (never
 * exceeded: decided at the agent's revision), then the ticket is held on `routing-<id>` (one holder:
 * decided at the ticket's revision); when the second loses a race the reservation is given back.
 * A release, transfer or escalation frees the capacity the same way, and the dispatch consumers
 * free it again from TicketReleasedFromAgent (idempotent), so a crash between the two writes
 * leaves nothing held for ever.
 */
@Injectable()
export class AssignmentService {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(ROUTING_RULES) private readonly rules: RoutingRules,
    private readonly agents: AgentCommandsService,
  ) {}

  async ticket(ticketId: string): Promise<RoutingState> {
    const events: RoutingTicketEvent[] = [];
    for await (const recorded of this.eventStore.readStream(routingStreams.ticket(ticketId))) events.push(recorded as unknown as RoutingTicketEvent);
    return foldEvents(routingDecider, events);
  }

  async routed(ticketId: string): Promise<RoutedState> {
    const state = await this.ticket(ticketId);
    if (state.status === 'unrouted') throw new NotFoundError(`Ticket ${ticketId} is not routed (unknown, or not yet queued)`);
    return state;
  }

  /** Runs a command on the ticket's routing stream at the revision read. */
  async run(command: RoutingCommand, actor: Actor, cause?: RoutingCause): Promise<readonly RoutingTicketEvent[]> {
    // A request's events carry its correlation id (the id its answer names).
    const correlationId = cause?.correlationId ?? CorrelationContext.currentCorrelationId() ?? newId();
    const metadata: EventMetadata = { ticketId: command.data.ticketId, correlationId, causationId: cause?.causationId ?? correlationId, actor, occurredAt: this.agents.now() };
    const seed = cause?.eventIdSeed;
    const result = await handleCommand(this.eventStore, routingStreams.ticket(command.data.ticketId), routingDecider, command, {
      metadata,
      maxRetries: 10,
      ...(seed !== undefined ? { eventId: (event: RoutingTicketEvent, index: number) => deterministicId(`${seed}:${event.type}:${index}`) } : {}),
    });
    return result.newEvents;
  }

  /**
   * Reserve on the agent, then hold on the ticket; a lost race gives the capacity back and answers
   * 409. The reservation has an id, carried by the holding and by its release, so the release of an
   * earlier holding of the same ticket by the same agent, arriving late, cannot give this one back.
   */
  async assign(
    ticketId: string,
    agentId: string,
    options: Readonly<{ rule: AssignmentRule; reason: string; actor: Actor; requireOnline: boolean; reservationId?: string }>,
  ): Promise<RoutedState> {
    const ticket = await this.routed(ticketId);
    if (ticket.holder === agentId) return ticket;
    if (ticket.finished) throw new IllegalStateError('finished', 'assign', `Ticket ${ticketId} is resolved or closed: nothing to assign`);
    if (ticket.holder !== null) throw new ConflictError(`Ticket ${ticketId} is held by agent ${ticket.holder}: release or transfer it first`, { holder: ticket.holder });
    const channel = ticket.status === 'classified' ? ticket.channel : 'email';
    const now = this.agents.now();
    const reservationId = options.reservationId ?? newId();
    await this.agents.run(
      { type: 'TakeTicket', data: { agentId, ticketId, channel, capacityDefaults: this.rules.dispatch.capacityDefaults, requireOnline: options.requireOnline, now, reservationId } },
      options.actor,
    );
    try {
      await this.run({ type: 'AssignToAgent', data: { ticketId, agentId, rule: options.rule, reason: options.reason, by: options.actor.id, now, reservationId } }, options.actor);
    } catch (error) {
      await this.dropCapacity(agentId, ticketId, 'assignment lost a race', options.actor, undefined, reservationId);
      throw error;
    }
    return this.routed(ticketId);
  }

  /** The holder lets go: the ticket waits in its queue again. A person's `note` is kept with the freed capacity (AgentTicketDropped). */
  async release(ticketId: string, agentId: string, reason: 'released' | 'agent_unavailable' | 'agent_retired', actor: Actor, note?: string): Promise<RoutedState> {
    const before = await this.routed(ticketId);
    await this.run({ type: 'ReleaseFromAgent', data: { ticketId, agentId, reason, by: actor.id, now: this.agents.now() } }, actor);
    // The holding's own reservation; an agent not holding the ticket (a reservation leaked by a crash) gives back whatever it has for it.
    const reservationId = before.holder === agentId ? (before.holderReservation ?? undefined) : undefined;
    await this.dropCapacity(agentId, ticketId, note === undefined ? reason : `${reason}: ${note}`, actor, undefined, reservationId);
    return this.routed(ticketId);
  }

  /** To a queue (it waits there) and/or an agent (assigned through its capacity, online or not): a counted transfer. */
  async transfer(ticketId: string, target: Readonly<{ toQueue: string | null; toAgentId: string | null }>, reason: string, actor: Actor): Promise<RoutedState> {
    if (target.toQueue !== null && !QUEUE_NAME.test(target.toQueue)) throw new ValidationError('toQueue is 1–64 lower-case letters, digits or dashes', [{ field: 'toQueue', message: 'must match ^[a-z0-9-]{1,64}$' }]);
    if (target.toAgentId !== null) {
      const agent = await this.agents.state(target.toAgentId);
      if (agent.profile === null) throw new NotFoundError(`Agent ${target.toAgentId} does not exist`);
      if (agent.retired) throw new IllegalStateError('retired', 'receive a transfer', `Agent ${target.toAgentId} is retired`);
    }
    const before = await this.routed(ticketId);
    const command: RoutingCommand = { type: 'TransferTicket', data: { ticketId, toQueue: target.toQueue, toAgentId: target.toAgentId, reason, by: actor.id, now: this.agents.now() } };
    // Decided once on the state read, so a refused transfer (finished, no target) appends nothing, not even a reservation.
    if (decideRouting(command, before).length === 0) return before;
    // The receiver's capacity is reserved before the ticket moves: a full (or retired) agent refuses the transfer and the ticket stays where it was.
    const receiver = target.toAgentId !== null && before.holder !== target.toAgentId ? target.toAgentId : null;
    const reservationId = newId();
    if (receiver !== null) {
      const channel = before.status === 'classified' ? before.channel : 'email';
      await this.agents.run(
        { type: 'TakeTicket', data: { agentId: receiver, ticketId, channel, capacityDefaults: this.rules.dispatch.capacityDefaults, requireOnline: false, now: this.agents.now(), reservationId } },
        actor,
      );
    }
    let events: readonly RoutingTicketEvent[];
    try {
      events = await this.run(command, actor);
    } catch (error) {
      if (receiver !== null) await this.dropCapacity(receiver, ticketId, 'transfer lost a race', actor, undefined, reservationId);
      throw error;
    }
    if (before.holder !== null && events.some((event) => event.type === 'TicketReleasedFromAgent')) {
      await this.dropCapacity(before.holder, ticketId, 'transferred', actor, undefined, before.holderReservation ?? undefined);
    }
    // To a queue and the same agent: the transfer released it, so it is assigned again.
    if (target.toAgentId !== null && (await this.routed(ticketId)).holder !== target.toAgentId) {
      try {
        return await this.assign(ticketId, target.toAgentId, { rule: 'transfer', reason, actor, requireOnline: false, ...(receiver !== null ? { reservationId } : {}) });
      } catch (error) {
        // Someone else took the ticket between the transfer and the assignment: the receiver's reservation goes back.
        if (receiver !== null) await this.dropCapacity(receiver, ticketId, 'transfer lost a race', actor, undefined, reservationId);
        throw error;
      }
    }
    return this.routed(ticketId);
  }

  /** Priority up one step and to the supervisors' queue; a holder without the supervisor clearance lets go. */
  async escalate(ticketId: string, cause: Readonly<{ kind: 'sla_breached' | 'sla_warning' | 'manual'; eventId: string | null; reason: string }>, actor: Actor, causedBy?: RoutingCause): Promise<readonly RoutingTicketEvent[]> {
    const before = await this.routed(ticketId);
    const holderIsSupervisor = before.holder !== null && ((await this.agents.state(before.holder)).profile?.clearances.includes('supervisor') ?? false);
    const events = await this.run(
      {
        type: 'EscalateTicket',
        data: { ticketId, cause: cause.kind, causeEventId: cause.eventId, reason: cause.reason, holderIsSupervisor, supervisorQueue: this.rules.dispatch.supervisorQueue, by: actor.id, now: this.agents.now() },
      },
      actor,
      causedBy,
    );
    if (before.holder !== null && events.some((event) => event.type === 'TicketReleasedFromAgent')) {
      await this.dropCapacity(before.holder, ticketId, 'escalated', actor, undefined, before.holderReservation ?? undefined);
    }
    return events;
  }

  /** An agent takes a ticket from a queue its clearances allow (403 otherwise), over its capacity never. */
  async claim(ticketId: string, actor: Actor): Promise<RoutedState> {
    const ticket = await this.routed(ticketId);
    const agent = await this.agents.state(actor.id);
    if (agent.profile === null) throw new ForbiddenError(`${actor.id} is not an agent: create it with PUT /v1/routing/agents/${actor.id}`);
    const queue = ticket.queue ?? 'triage';
    const missing = (this.rules.dispatch.queueClearances[queue] ?? []).filter((clearance) => !agent.profile!.clearances.includes(clearance));
    if (missing.length > 0) throw new ForbiddenError(`Queue ${queue} needs the ${missing.join(', ')} clearance`, { queue, missing });
    return this.assign(ticketId, actor.id, { rule: 'claim', reason: `claimed from ${queue}`, actor, requireOnline: false });
  }

  /**
   * Gives back an agent's reservation for a ticket (idempotent): the one named, so a late release
   * of an earlier holding leaves a newer one alone; without a name (holdings from before
   * reservations had ids), whatever it has for the ticket unless it holds the ticket now.
   */
  async dropCapacity(agentId: string, ticketId: string, reason: string, actor: Actor, cause?: RoutingCause, reservationId?: string): Promise<void> {
    if (reservationId === undefined) {
      const now = await this.ticket(ticketId);
      if (now.status !== 'unrouted' && now.holder === agentId) return;
    }
    const seed = cause?.eventIdSeed;
    await this.agents.run(
      { type: 'DropTicket', data: { agentId, ticketId, reason, now: this.agents.now(), ...(reservationId !== undefined ? { reservationId } : {}) } },
      actor,
      cause && {
        correlationId: cause.correlationId,
        causationId: cause.causationId,
        ...(seed !== undefined ? { eventId: (event: AgentEvent, index: number) => deterministicId(`${seed}:agent:${event.type}:${index}`) } : {}),
      },
    );
  }
}
