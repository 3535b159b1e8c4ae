import { ConflictError } from '@ticketing/kernel';
import type { TicketOpened } from '@ticketing/contracts';
import { deciderSpec } from '@ticketing/testing';
import { ticketDecider, type OpenTicket } from './ticket.decider';

const spec = deciderSpec(ticketDecider);

const open: OpenTicket = {
  type: 'OpenTicket',
  data: {
    ticketId: 't-1',
    customerId: 'c-1',
    channel: 'chat',
    subject: 'Withdrawal stuck',
    body: 'My BTC withdrawal has been pending for 3 hours',
    language: 'en',
    now: '2026-11-25T10:00:00.000Z',
  },
};

const opened: TicketOpened = {
  type: 'TicketOpened',
  schemaVersion: 1,
  data: {
    ticketId: 't-1',
    customerId: 'c-1',
    channel: 'chat',
    subject: 'Withdrawal stuck',
    body: 'My BTC withdrawal has been pending for 3 hours',
    language: 'en',
    openedAt: '2026-11-25T10:00:00.000Z',
  },
};

describe('ticket decider', () => {
  describe('when no ticket exists', () => {
    it('opens the ticket with the time given on the command', () => {
      spec.given([]).when(open).then([opened]);
    });
  });

  describe('when the ticket is open', () => {
    it('refuses to open it again', () => {
      spec
        .given([opened])
        .when(open)
        .thenThrows(ConflictError, (error) => expect(error.details).toEqual({ ticketId: 't-1' }));
    });
  });
});
