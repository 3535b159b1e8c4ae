import { ConflictError, assertNever, type Command, type Decider } from '@ticketing/kernel';
import type { Channel, Language, TicketOpened } from '@ticketing/contracts';
import { evolveTicket, initialTicketState, type TicketEvent, type TicketState } from './ticket.state';

export type OpenTicket = Command<
  'OpenTicket',
  {
    ticketId: string;
    customerId: string;
    channel: Channel;
    subject: string;
    body: string;
    language: Language;
    now: string;
  }
>;

export type TicketCommand = OpenTicket;

export const TICKET_SCHEMA_VERSION = 1;

function openTicket(command: OpenTicket, state: TicketState): TicketOpened {
  if (state.status !== 'none') {
    throw new ConflictError(`Ticket ${command.data.ticketId} already exists`, { ticketId: command.data.ticketId });
  }
  const { ticketId, customerId, channel, subject, body, language, now } = command.data;
  return {
    type: 'TicketOpened',
    schemaVersion: TICKET_SCHEMA_VERSION,
    data: { ticketId, customerId, channel, subject, body, language, openedAt: now },
  };
}

export function decideTicket(command: TicketCommand, state: TicketState): readonly TicketEvent[] {
  switch (command.type) {
    case 'OpenTicket':
      return [openTicket(command, state)];
    default:
      return assertNever(command.type);
  }
}

/** The write model of intake's `ticket-<id>` stream. */
export const ticketDecider: Decider<TicketState, TicketCommand, TicketEvent> = {
  initialState: initialTicketState,
  evolve: evolveTicket,
  decide: decideTicket,
};
