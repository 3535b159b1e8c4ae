import { assertNever } from '@ticketing/kernel';
import type { Channel, IntakeEvent, Language } from '@ticketing/contracts';

export type TicketEvent = IntakeEvent;

export type TicketState =
  | Readonly<{ status: 'none' }>
  | Readonly<{
      status: 'open';
      ticketId: string;
      customerId: string;
      channel: Channel;
      language: Language;
      openedAt: string;
    }>;

export const initialTicketState = (): TicketState => ({ status: 'none' });

export function evolveTicket(_state: TicketState, event: TicketEvent): TicketState {
  switch (event.type) {
    case 'TicketOpened': {
      const { ticketId, customerId, channel, language, openedAt } = event.data;
      return { status: 'open', ticketId, customerId, channel, language, openedAt };
    }
    default:
      return assertNever(event.type);
  }
}
