import type { TicketQueued } from '@ticketing/contracts';
import { deciderSpec } from '@ticketing/testing';
import { routingDecider, type QueueTicket } from './routing.decider';

const spec = deciderSpec(routingDecider);

const queueChat = (language: QueueTicket['data']['language']): QueueTicket => ({
  type: 'QueueTicket',
  data: { ticketId: 't-1', channel: 'chat', language, now: '2026-11-25T10:00:01.000Z' },
});

const queuedInChatEn: TicketQueued = {
  type: 'TicketQueued',
  schemaVersion: 1,
  data: { ticketId: 't-1', queue: 'chat-en', rule: 'live-chat-by-language', queuedAt: '2026-11-25T10:00:01.000Z' },
};

describe('routing decider', () => {
  describe('when the ticket is unrouted', () => {
    it('queues a chat ticket by its language', () => {
      spec.given([]).when(queueChat('en')).then([queuedInChatEn]);
    });

    it.each([
      ['email', 'ko', 'tickets-ko'],
      ['web_form', 'zh', 'tickets-zh'],
      ['api', 'ja', 'tickets-ja'],
      ['social', 'tr', 'social-escalations'],
      ['chat', 'vi', 'chat-vi'],
    ] as const)('queues a %s ticket in %s to %s', (channel, language, queue) => {
      const decided = routingDecider.decide(
        { type: 'QueueTicket', data: { ticketId: 't-2', channel, language, now: '2026-11-25T10:00:00.000Z' } },
        routingDecider.initialState(),
      ) as readonly TicketQueued[];
      expect(decided.map((event) => event.data.queue)).toEqual([queue]);
    });
  });

  describe('when the ticket is already queued', () => {
    it('decides nothing, so a redelivered TicketOpened queues once', () => {
      spec.given([queuedInChatEn]).when(queueChat('ru')).thenNothingHappens();
    });
  });
});
