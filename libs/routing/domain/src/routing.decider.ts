import { assertNever, type Command, type Decider } from '@ticketing/kernel';
import type { Channel, Language, RoutingEvent, TicketQueued } from '@ticketing/contracts';
import { chooseQueue } from './queue-rules';
import { evolveRouting, initialRoutingState, type RoutingState } from './routing.state';

export type QueueTicket = Command<'QueueTicket', { ticketId: string; channel: Channel; language: Language; now: string }>;

export type RoutingCommand = QueueTicket;

export const ROUTING_SCHEMA_VERSION = 1;

/** Queueing is idempotent: a ticket already queued (e.g. TicketOpened delivered twice) decides nothing. */
function queueTicket(command: QueueTicket, state: RoutingState): readonly TicketQueued[] {
  if (state.status === 'queued') return [];
  const { ticketId, channel, language, now } = command.data;
  const { queue, rule } = chooseQueue(channel, language);
  return [{ type: 'TicketQueued', schemaVersion: ROUTING_SCHEMA_VERSION, data: { ticketId, queue, rule, queuedAt: now } }];
}

export function decideRouting(command: RoutingCommand, state: RoutingState): readonly RoutingEvent[] {
  switch (command.type) {
    case 'QueueTicket':
      return queueTicket(command, state);
    default:
      return assertNever(command.type);
  }
}

/** The write model of routing's `routing-<id>` stream. */
export const routingDecider: Decider<RoutingState, RoutingCommand, RoutingEvent> = {
  initialState: initialRoutingState,
  evolve: evolveRouting,
  decide: decideRouting,
};
