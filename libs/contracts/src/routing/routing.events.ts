import type { Event } from '@ticketing/kernel';
import type { ContextContract } from '../context-contract';

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

/**
 * Routing owns each ticket's `routing-<id>` stream (classification, queue, assignment) and each
 * agent's `agent-<agentId>` stream, ordered by agent, not by ticket.
 */
export const ROUTING_CONTRACT = {
  name: 'routing',
  streamPrefixes: ['routing-', 'agent-'],
  entityStreams: { 'agent-': 'agent' },
  eventTypes: ROUTING_EVENT_TYPES,
} as const satisfies ContextContract;
