import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { CLOCK, deterministicId, systemActor, type Clock } from '@ticketing/kernel';
import { streams, type TicketOpened } from '@ticketing/contracts';
import { EVENT_STORE, handleCommand, type EventStore } from '@ticketing/event-store';
import type { BusEvent } from '@ticketing/messaging';
import { isAssetAmountAboveThreshold, routingDecider, type RoutingRules } from '@ticketing/routing-domain';
import { TICKET_CLASSIFIER, type TicketClassifier } from './classifier/ticket-classifier';
import { ROUTING_RULES } from './routing-rules.config';

/** Consumer group of the routing context on the bus. */
export const ROUTING_GROUP = 'routing';

const routingActor = systemActor('routing');

/** Classifies and queues every newly opened ticket; safe to receive the same TicketOpened more than once. */
@Controller()
export class TicketOpenedConsumer {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(TICKET_CLASSIFIER) private readonly classifier: TicketClassifier,
    @Inject(ROUTING_RULES) private readonly rules: RoutingRules,
  ) {}

  @EventPattern('TicketOpened', { group: ROUTING_GROUP })
  async classifyAndQueue(@Payload() event: BusEvent<TicketOpened>): Promise<void> {
    const { ticketId, channel, language, subject, subjectDerived, body, assetContext } = event.data;
    // A subject derived from the body repeats it: reading it twice would weigh its first words double.
    const verdict = await this.classifier.classify({ subject: subjectDerived ? null : subject, body });
    const now = this.clock.now().toISOString();
    await handleCommand(
      this.eventStore,
      streams.routing(ticketId),
      routingDecider,
      {
        type: 'ClassifyTicket',
        data: {
          ticketId,
          channel,
          language,
          prediction: { category: verdict.category, confidence: verdict.confidence, modelVersion: verdict.modelVersion },
          assetAmountAboveThreshold: isAssetAmountAboveThreshold(assetContext?.asset, assetContext?.amount, this.rules.priority.assetAmountThresholds),
          rules: this.rules,
          now,
        },
      },
      {
        metadata: {
          ticketId,
          correlationId: event.metadata.correlationId,
          causationId: event.id,
          actor: routingActor,
          occurredAt: now,
        },
        // Derived from the causing event: a concurrent redelivery re-appends the same ids, not a second classification.
        eventId: (decided, index) => deterministicId(`${event.id}:${decided.type}:${index}`),
        // A ticket is routed once, on its first delivery; a redelivery conflicts, reads and decides nothing.
        expectNewStream: true,
      },
    );
  }
}
