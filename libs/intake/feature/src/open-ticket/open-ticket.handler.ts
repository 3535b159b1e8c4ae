import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, ForbiddenError, ValidationError, newId, type Actor, type Clock } from '@ticketing/kernel';
import { streams } from '@ticketing/contracts';
import { EVENT_STORE, handleCommand, type EventStore } from '@ticketing/event-store';
import { ticketDecider } from '@ticketing/intake-domain';
import type { OpenTicketRequest } from './open-ticket.request.dto';
import type { TicketResponse } from '../ticket.response.dto';

export type OpenTicketInput = Readonly<{ request: OpenTicketRequest; actor: Actor; correlationId: string }>;

@Injectable()
export class OpenTicketHandler {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ request, actor, correlationId }: OpenTicketInput): Promise<TicketResponse> {
    const customerId = customerOf(request, actor);
    const ticketId = newId();
    const now = this.clock.now().toISOString();
    const command = {
      type: 'OpenTicket',
      data: { ticketId, customerId, channel: request.channel, subject: request.subject, body: request.body, language: request.language, now },
    } as const;
    await handleCommand(this.eventStore, streams.ticket(ticketId), ticketDecider, command, {
      metadata: { ticketId, correlationId, causationId: correlationId, actor, occurredAt: now },
    });
    return {
      id: ticketId,
      status: 'open',
      channel: request.channel,
      language: request.language,
      queue: null,
      customerId,
      subject: request.subject,
      createdAt: now,
    };
  }
}

/** Customers open tickets for themselves; staff and services open them on a named customer's behalf. */
function customerOf(request: OpenTicketRequest, actor: Actor): string {
  if (actor.kind === 'customer') {
    if (request.customerId !== undefined && request.customerId !== actor.id) {
      throw new ForbiddenError('Customers may open tickets only for themselves');
    }
    return actor.id;
  }
  if (request.customerId === undefined) {
    throw new ValidationError('customerId is required when staff or a service opens a ticket', [
      { field: 'customerId', message: 'customerId is required unless the caller is the customer' },
    ]);
  }
  return request.customerId;
}
