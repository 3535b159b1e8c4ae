import { ROUTING_CONTEXT } from '@ticketing/routing-feature';
import { defineService } from '@ticketing/runtime';

/** The routing deployable: consumes TicketOpened from the bus and queues tickets; it relays `routing-` streams. */
export const ROUTING_SERVICE = defineService({ name: 'routing', contexts: [ROUTING_CONTEXT] });
