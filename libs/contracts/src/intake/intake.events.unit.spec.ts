import { upcastIntakeEvent, type TicketOpened, type TicketOpenedV1, type TicketOpenedV2 } from './intake.events';

describe('intake event upcasting', () => {
  it('brings a version 1 TicketOpened to the current shape without losing what it said', () => {
    const v1: TicketOpenedV1 = {
      type: 'TicketOpened',
      schemaVersion: 1,
      data: { ticketId: 't-1', customerId: 'c-1', channel: 'chat', subject: 's', body: 'b', language: 'ko', openedAt: '2026-11-25T10:00:00.000Z' },
    };
    expect(upcastIntakeEvent(v1)).toEqual({
      type: 'TicketOpened',
      schemaVersion: 3,
      data: {
        ...v1.data,
        subjectDerived: false,
        channelDetails: null,
        languageGiven: 'ko',
        detectedLanguage: null,
        languageFallback: false,
        assetContext: null,
        linkedFromTicketId: null,
      },
    });
  });

  const v2 = (data: Partial<Record<keyof TicketOpenedV2['data'], unknown>>): TicketOpenedV2 =>
    ({
      type: 'TicketOpened',
      schemaVersion: 2,
      data: {
        ticketId: 't-2',
        customerId: 'c-1',
        channel: 'social',
        channelDetails: { channel: 'social', platform: 'x', handle: '@a', postUrl: 'https://x.com/a/status/1' },
        subject: 's',
        body: 'b',
        language: 'en',
        languageGiven: null,
        detectedLanguage: null,
        languageFallback: false,
        assetContext: { asset: 'USDT', network: 'TRC20' },
        linkedFromTicketId: null,
        openedAt: '2026-11-25T10:00:00.000Z',
        ...data,
      },
    }) as TicketOpenedV2;
  const upcastData = (event: TicketOpenedV2): TicketOpened['data'] => (upcastIntakeEvent(event) as TicketOpened).data;

  it('brings a well-formed version 2 TicketOpened to version 3 with a given subject', () => {
    const event = v2({});
    expect(upcastIntakeEvent(event)).toEqual({ type: 'TicketOpened', schemaVersion: 3, data: { ...event.data, subjectDerived: false } });
  });

  // Stored before nested objects were validated: a request's `"social": []` became details without fields.
  it.each([
    ['details without their fields', { channel: 'social' }],
    ['an array', []],
    ['details of another channel', { channel: 'chat', sessionId: 's' }],
    ['a field of the wrong type', { channel: 'social', platform: 'x', handle: 7, postUrl: 'https://x.com/a' }],
    ['an unknown platform', { channel: 'social', platform: 'myspace', handle: '@a', postUrl: 'https://x.com/a' }],
    ['a string', 'social'],
  ])('reads stored channel details that are %s as null', (_case, channelDetails) => {
    expect(upcastData(v2({ channelDetails })).channelDetails).toBeNull();
  });

  it('keeps only the known string fields of stored details', () => {
    const details = { channel: 'email', fromAddress: 'a@x.com', messageId: '<m@x>', inReplyTo: 5, extra: 'x' };
    expect(upcastData(v2({ channel: 'email', channelDetails: details })).channelDetails).toEqual({ channel: 'email', fromAddress: 'a@x.com', messageId: '<m@x>' });
  });

  it.each([
    ['an array spread into an object', { 0: { asset: 'USDT' }, 1: 'x' }, null],
    ['an array', [{ asset: 'USDT' }], null],
    ['fields of the wrong type', { asset: 'USDT', amount: 12.5, txHash: ['x'] }, { asset: 'USDT' }],
    ['empty', {}, null],
  ])('reads a stored asset context that is %s as its well-formed fields or null', (_case, assetContext, expected) => {
    expect(upcastData(v2({ assetContext })).assetContext).toEqual(expected);
  });

  it('leaves current events as they are', () => {
    const closed = { type: 'TicketClosed', schemaVersion: 1, data: { ticketId: 't', reason: 'manual', by: 'a', closedAt: 'x' } } as const;
    expect(upcastIntakeEvent(closed)).toBe(closed);
  });
});
