import { upcastIntakeEvent, type TicketOpenedV1 } from './intake.events';

describe('intake event upcasting', () => {
  it('brings a version 1 TicketOpened to the current shape without losing what it said', () => {
    const v1: TicketOpenedV1 = {
      type: 'TicketOpened',
      schemaVersion: 1,
      data: { ticketId: 't-1', customerId: 'c-1', channel: 'chat', subject: 's', body: 'b', language: 'ko', openedAt: '2026-11-25T10:00:00.000Z' },
    };
    expect(upcastIntakeEvent(v1)).toEqual({
      type: 'TicketOpened',
      schemaVersion: 2,
      data: {
        ...v1.data,
        channelDetails: null,
        languageGiven: 'ko',
        detectedLanguage: null,
        languageFallback: false,
        assetContext: null,
        linkedFromTicketId: null,
      },
    });
  });

  it('leaves current events as they are', () => {
    const closed = { type: 'TicketClosed', schemaVersion: 1, data: { ticketId: 't', reason: 'manual', by: 'a', closedAt: 'x' } } as const;
    expect(upcastIntakeEvent(closed)).toBe(closed);
  });
});
