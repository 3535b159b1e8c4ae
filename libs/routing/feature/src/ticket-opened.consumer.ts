import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { CLOCK, deterministicId, systemActor, type Clock } from '@ticketing/kernel';
import { streams, type TicketOpened } from '@ticketing/contracts';
import { EVENT_STORE, handleCommand, type EventStore } from '@ticketing/event-store';
import type { BusEvent } from '@ticketing/messaging';
import { routingDecider } from '@ticketing/routing-domain';

/** Consumer group of the routing context on the bus. */
export const ROUTING_GROUP = 'routing';

const routingActor = systemActor('routing');

/** Queues every newly opened ticket; safe to receive the same TicketOpened more than once. */
@Controller()
export class TicketOpenedConsumer {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @EventPattern('TicketOpened', { group: ROUTING_GROUP })
  async queue(@Payload() event: BusEvent<TicketOpened>): Promise<void> {
    const { ticketId, channel, language } = event.data;
    const now = this.clock.now().toISOString();
    await handleCommand(
      this.eventStore,
      streams.routing(ticketId),
      routingDecider,
      { type: 'QueueTicket', data: { ticketId, channel, language, now } },
      {
        metadata: {
          ticketId,
          correlationId: event.metadata.correlationId,
          causationId: event.id,
          actor: routingActor,
          occurredAt: now,
        },
        // Derived from the causing event: a concurrent redelivery re-appends the same ids, not a second queueing.
        eventId: (queued, index) => deterministicId(`${event.id}:${queued.type}:${index}`),
        // A ticket is queued once, on its first delivery; a redelivery conflicts, reads and decides nothing.
        expectNewStream: true,
      },
    );
  }
}
