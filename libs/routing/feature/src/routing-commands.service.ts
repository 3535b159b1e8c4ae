import { Inject, Injectable } from '@nestjs/common';
import { streams, type Category } from '@ticketing/contracts';
import { CLOCK, type Actor, type Clock } from '@ticketing/kernel';
import { EVENT_STORE, handleCommand, type EventStore } from '@ticketing/event-store';
import { routingDecider, type ClassifiedTicket, type RoutingRules } from '@ticketing/routing-domain';
import { ROUTING_RULES } from './routing-rules.config';

export type RoutingCommandContext = Readonly<{ actor: Actor; correlationId: string }>;

/** Routing's writes from people (REST and gRPC): today, correcting a ticket's category. */
@Injectable()
export class RoutingCommandsService {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ROUTING_RULES) private readonly rules: RoutingRules,
  ) {}

  /** Sets the category a person settled on; the priority and queue follow by the rules. Returns the ticket's routing after it. */
  async recategorize(ticketId: string, to: Category, reason: string | null, context: RoutingCommandContext): Promise<ClassifiedTicket> {
    const now = this.clock.now().toISOString();
    const result = await handleCommand(
      this.eventStore,
      streams.routing(ticketId),
      routingDecider,
      { type: 'RecategorizeTicket', data: { ticketId, to, by: context.actor.id, reason, rules: this.rules, now } },
      { metadata: { ticketId, correlationId: context.correlationId, causationId: context.correlationId, actor: context.actor, occurredAt: now } },
    );
    const state = result.newState;
    // The decider refuses every other state, so a result is always a classified ticket.
    if (state.status !== 'classified') throw new Error(`Ticket ${ticketId} is ${state.status} after recategorization`);
    return state;
  }
}
