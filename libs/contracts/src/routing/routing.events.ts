import type { Event } from '@ticketing/kernel';

export type TicketQueued = Event<
  'TicketQueued',
  {
    ticketId: string;
    queue: string;
    /** Which routing rule chose the queue, so ops can explain a placement. */
    rule: string;
    queuedAt: string;
  }
>;

/** Every event on routing's `routing-<id>` streams. */
export type RoutingEvent = TicketQueued;

export const ROUTING_EVENT_TYPES = ['TicketQueued'] as const satisfies readonly RoutingEvent['type'][];
