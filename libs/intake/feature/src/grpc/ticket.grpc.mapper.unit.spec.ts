import { loadSync, type MethodDefinition } from '@grpc/proto-loader';
import { CHANNELS, INTAKE_PROTO_FILE, LANGUAGES, protoLoaderOptions } from '@ticketing/contracts';
import { TICKET_STATUSES, type TicketResponse } from '../ticket.response.dto';
import { channelEnum, languageEnum, listTicketsQueryOf, openTicketBodyOf, ticketStatusEnum, toTicketMessage } from './ticket.grpc.mapper';
import type { ListTicketsMessage, OpenTicketMessage } from './ticket.grpc.messages';

const definition = loadSync(INTAKE_PROTO_FILE, protoLoaderOptions());
const method = (name: string) => (definition['ticketing.intake.v1.TicketService'] as Record<string, MethodDefinition<unknown, unknown>>)[name];
/** What a client receives: the message through the wire format and back (protobufjs drops fields the .proto does not have). */
const overTheWire = (name: string, message: unknown) => method(name).responseDeserialize(method(name).responseSerialize(message));
const asServerReceives = (name: string, message: unknown) => method(name).requestDeserialize(method(name).requestSerialize(message));

const full: TicketResponse = {
  id: '01900000-0000-7000-8000-000000000001',
  status: 'waiting_on_customer',
  channel: 'social',
  language: 'tr',
  languageGiven: 'tr',
  detectedLanguage: 'tr',
  languageFallback: false,
  queue: 'social-escalations',
  category: 'fake_token_scam',
  priority: 'high',
  assignee: 'agent-7',
  customerId: 'cust-1',
  subject: 'Funds gone',
  channelDetails: { channel: 'social', platform: 'x', handle: '@trader', postUrl: 'https://x.com/trader/status/1' },
  assetContext: { asset: 'USDT', network: 'TRC20', amount: '1250.50', txHash: 'abcdef0123456789', orderId: 'ord-1' },
  linkedFromTicketId: '01900000-0000-7000-8000-000000000000',
  mergedInto: '01900000-0000-7000-8000-000000000002',
  resolutionCode: 'refunded',
  createdAt: '2026-01-01T00:00:00.123Z',
  updatedAt: '2026-01-01T01:00:00.000Z',
  firstResponseAt: '2026-01-01T00:05:00.000Z',
  firstResponseSeconds: 300,
  resolvedAt: '2026-01-02T00:00:00.000Z',
  autoCloseAt: '2026-01-05T00:00:00.000Z',
  closedAt: '2026-01-06T00:00:00.000Z',
  messageCounts: { customer: 2, agent: 1, notes: 3 },
};

describe('Ticket message mapping', () => {
  it('carries every field of the REST resource through the wire format', () => {
    const received = overTheWire('GetTicket', toTicketMessage(full)) as Record<string, unknown>;
    expect(received).toMatchObject({
      id: full.id,
      status: 'TICKET_STATUS_WAITING_ON_CUSTOMER',
      channel: 'CHANNEL_SOCIAL',
      language: 'LANGUAGE_TR',
      languageGiven: 'LANGUAGE_TR',
      detectedLanguage: 'tr',
      languageFallback: false,
      queue: 'social-escalations',
      category: 'fake_token_scam',
      priority: 'high',
      assignee: 'agent-7',
      customerId: 'cust-1',
      subject: 'Funds gone',
      channelDetails: 'social',
      social: { platform: 'SOCIAL_PLATFORM_X', handle: '@trader', postUrl: 'https://x.com/trader/status/1' },
      assetContext: full.assetContext,
      linkedFromTicketId: full.linkedFromTicketId,
      mergedInto: full.mergedInto,
      resolutionCode: 'refunded',
      createdAt: { seconds: String(Math.floor(Date.parse(full.createdAt) / 1000)), nanos: 123_000_000 },
      firstResponseSeconds: '300',
      closedAt: { seconds: String(Date.parse(full.closedAt!) / 1000), nanos: 0 },
      messageCounts: { customer: 2, agent: 1, notes: 3 },
    });
    for (const field of ['updatedAt', 'firstResponseAt', 'resolvedAt', 'autoCloseAt']) expect(received[field]).toEqual(expect.objectContaining({ nanos: 0 }));
  });

  it('leaves REST’s nulls unset', () => {
    const bare: TicketResponse = {
      ...full,
      languageGiven: null,
      detectedLanguage: null,
      queue: null,
      category: null,
      priority: null,
      assignee: null,
      channelDetails: null,
      assetContext: null,
      linkedFromTicketId: null,
      mergedInto: null,
      resolutionCode: null,
      firstResponseAt: null,
      firstResponseSeconds: null,
      resolvedAt: null,
      autoCloseAt: null,
      closedAt: null,
      messageCounts: { customer: 1, agent: 0 },
    };
    const received = overTheWire('GetTicket', toTicketMessage(bare)) as Record<string, unknown>;
    for (const field of ['languageGiven', 'detectedLanguage', 'queue', 'category', 'priority', 'assignee', 'channelDetails', 'linkedFromTicketId', 'mergedInto', 'resolutionCode', 'firstResponseSeconds']) {
      expect(received[field]).toBeUndefined();
    }
    for (const field of ['assetContext', 'firstResponseAt', 'resolvedAt', 'autoCloseAt', 'closedAt']) expect(received[field]).toBeNull();
    expect((received.messageCounts as { notes?: number }).notes).toBeUndefined();
  });

  // Stored before nested objects were validated (`"social": []` in a request): details without their fields.
  it.each([
    ['details without fields', { channel: 'social' }, [{ asset: 'USDT' }]],
    ['an array', [], { 0: { asset: 'USDT' } }],
    ['details with a platform that is no string', { channel: 'social', platform: 7, handle: '@a', postUrl: 'https://x.com/a' }, 'x'],
  ])('maps a ticket with malformed stored details (%s) to one without them', (_case, channelDetails, assetContext) => {
    const malformed = { ...full, channelDetails, assetContext } as unknown as TicketResponse;
    const received = overTheWire('GetTicket', toTicketMessage(malformed)) as Record<string, unknown>;
    expect(received).toMatchObject({ id: full.id, channel: 'CHANNEL_SOCIAL', assetContext: null });
    expect(received['channelDetails']).toBeUndefined();
    expect(received['social']).toBeUndefined();
  });

  it('maps the subject an OpenTicketRequest leaves out as absent, not as an empty string', () => {
    const received = asServerReceives('OpenTicket', { channel: 'CHANNEL_CHAT', body: 'b', chat: { sessionId: 's' } }) as OpenTicketMessage;
    expect(openTicketBodyOf(received)).toEqual({ channel: 'chat', body: 'b', chat: { sessionId: 's' } });
  });

  it.each([
    ['status', ticketStatusEnum, TICKET_STATUSES],
    ['channel', channelEnum, CHANNELS],
    ['language', languageEnum, LANGUAGES],
  ] as const)('maps every %s value both ways through the .proto', (field, codec, values) => {
    for (const value of values) {
      const received = overTheWire('GetTicket', { ...toTicketMessage(full), [field]: codec.toProto(value) }) as Record<string, string>;
      expect(codec.fromProto(received[field])).toBe(value);
    }
  });
});

describe('requests in the REST shape', () => {
  it('maps an OpenTicketRequest as received, leaving out what the client did not set', () => {
    const received = asServerReceives('OpenTicket', {
      channel: 'CHANNEL_EMAIL',
      subject: 's',
      body: 'b',
      email: { fromAddress: 'a@example.com', messageId: '<m@x>' },
    }) as OpenTicketMessage;
    expect(openTicketBodyOf(received)).toEqual({ channel: 'email', subject: 's', body: 'b', email: { fromAddress: 'a@example.com', messageId: '<m@x>' } });
  });

  it('decodes UNSPECIFIED and unknown enum values to something the DTO rejects', () => {
    expect(openTicketBodyOf(asServerReceives('OpenTicket', { subject: 's', body: 'b' }) as OpenTicketMessage).channel).toBe('unspecified');
    expect(channelEnum.fromProto(42)).toBe('42');
  });

  it('maps ListTickets Timestamps to the instants REST takes', () => {
    const received = asServerReceives('ListTickets', { createdFrom: { seconds: 1767225600, nanos: 5_000_000 }, limit: 5 }) as ListTicketsMessage;
    expect(listTicketsQueryOf(received)).toEqual({ createdFrom: '2026-01-01T00:00:00.005Z', limit: 5 });
  });
});
