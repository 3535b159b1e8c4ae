import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { CLOCK, deterministicId, systemActor, type Clock } from '@ticketing/kernel';
import { streams, upcastIntakeEvent, type TicketAssignedToAgent, type TicketReleasedFromAgent } from '@ticketing/contracts';
import { EVENT_STORE, handleCommand, type EventStore } from '@ticketing/event-store';
import type { BusEvent } from '@ticketing/messaging';
import { ticketDecider, type AssignTicket, type UnassignTicket } from '@ticketing/intake-domain';

/** Consumer group of the intake context on the bus. */
export const INTAKE_GROUP = 'intake';

/** Who holds a ticket is routing's decision: intake records it on routing's behalf. */
const ROUTING_ACTOR = systemActor('routing');

/**
 * Shows on each ticket who holds it, as routing decides (TicketAssignedToAgent,
 * TicketReleasedFromAgent on routing's streams): its assignee and status `assigned`, and back
 * without assignee on a release. Safe to receive an event twice or late: a release of someone who
 * no longer holds the ticket, or anything after its end, changes nothing. An event for a ticket
 * that does not exist fails (NotFoundError) and is parked after its retries.
 */
@Controller()
export class AssignmentsConsumer {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @EventPattern('TicketAssignedToAgent', { group: INTAKE_GROUP })
  async assign(@Payload() event: BusEvent<TicketAssignedToAgent>): Promise<void> {
    const { ticketId, agentId, assignedAt } = event.data;
    // The ticket may have been resolved, closed or merged since routing assigned it: then nothing.
    await this.run(event, { type: 'AssignTicket', data: { ticketId, assignee: agentId, now: assignedAt, onFinished: 'ignore' } });
  }

  @EventPattern('TicketReleasedFromAgent', { group: INTAKE_GROUP })
  async release(@Payload() event: BusEvent<TicketReleasedFromAgent>): Promise<void> {
    const { ticketId, agentId, reason, releasedAt } = event.data;
    // Routing frees the agent of a resolved, closed or merged ticket: the ticket keeps who worked it last.
    if (reason === 'finished') return;
    await this.run(event, { type: 'UnassignTicket', data: { ticketId, assignee: agentId, reason, now: releasedAt } });
  }

  private async run(cause: BusEvent, command: AssignTicket | UnassignTicket): Promise<void> {
    const { ticketId } = command.data;
    const streamName = streams.ticket(ticketId);
    // Redelivered after later events (a consumer restarting behind its last commit), deciding again
    // would assign someone released since, or re-append ids already recorded at other revisions.
    if (await this.alreadyHandled(streamName, cause.id)) return;
    await handleCommand(this.eventStore, streamName, ticketDecider, command, {
      metadata: {
        ticketId,
        correlationId: cause.metadata.correlationId,
        causationId: cause.id,
        actor: ROUTING_ACTOR,
        occurredAt: this.clock.now().toISOString(),
      },
      upcast: upcastIntakeEvent,
      // Derived from the causing event: a concurrent redelivery re-appends the same ids, not a second event.
      eventId: (decided, index) => deterministicId(`${cause.id}:${decided.type}:${index}`),
    });
  }

  /** Whether the ticket's stream already holds an event `causeId` caused. */
  private async alreadyHandled(streamName: string, causeId: string): Promise<boolean> {
    for await (const recorded of this.eventStore.readStream(streamName)) {
      if (recorded.metadata.causationId === causeId) return true;
    }
    return false;
  }
}
