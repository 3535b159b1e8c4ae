import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { streams, type Category, type DisputeOpened, type RecoveryRequested } from '@ticketing/contracts';
import { EVENT_STORE, handleCommand, type EventStore } from '@ticketing/event-store';
import { CLOCK, deterministicId, IllegalStateError, type Actor, type Clock } from '@ticketing/kernel';
import type { BusEvent } from '@ticketing/messaging';
import { routingDecider, type RoutingRules } from '@ticketing/routing-domain';
import { ROUTING_RULES } from './routing-rules.config';
import { ROUTING_GROUP } from './ticket-opened.consumer';

/**
 * A dispute or recovery opened on a ticket says what the ticket is about: its category becomes
 * `liquidation_dispute` or `wrong_network_deposit` (TicketRecategorized by whoever opened the case),
 * and it moves queue if the rules say so. A ticket not routed yet makes the delivery fail and be
 * retried: routing classifies it moments later.
 */
@Controller()
export class CaseOpenedConsumer {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ROUTING_RULES) private readonly rules: RoutingRules,
  ) {}

  @EventPattern('DisputeOpened', { group: ROUTING_GROUP })
  async disputeOpened(@Payload() event: BusEvent<DisputeOpened>): Promise<void> {
    // An appeal reopens a case already categorized (or deliberately recategorized since).
    if (event.data.round !== 1) return;
    await this.recategorize(event, event.data.ticketId, 'liquidation_dispute', event.data.openedBy, 'a liquidation dispute was opened');
  }

  @EventPattern('RecoveryRequested', { group: ROUTING_GROUP })
  async recoveryRequested(@Payload() event: BusEvent<RecoveryRequested>): Promise<void> {
    await this.recategorize(event, event.data.ticketId, 'wrong_network_deposit', event.data.requestedBy, 'a wrong-network recovery was requested');
  }

  private async recategorize(event: BusEvent, ticketId: string, to: Category, by: Actor, reason: string): Promise<void> {
    const now = this.clock.now().toISOString();
    try {
      await handleCommand(
        this.eventStore,
        streams.routing(ticketId),
        routingDecider,
        { type: 'RecategorizeTicket', data: { ticketId, to, by: by.id, reason, rules: this.rules, now } },
        {
          metadata: { ticketId, correlationId: event.metadata.correlationId, causationId: event.id, actor: by, occurredAt: now },
          eventId: (decided, index) => deterministicId(`${event.id}:${decided.type}:${index}`),
          maxRetries: 10,
        },
      );
    } catch (error) {
      // Queued before classification existed: there is no category to correct, and never will be.
      if (error instanceof IllegalStateError) return;
      throw error;
    }
  }
}
