import { status, type ServiceError } from '@grpc/grpc-js';
import { newId } from '@ticketing/kernel';
import { TicketGrpcClient } from './test-support/ticket-grpc.client';
import { TicketingHarness, type HttpReply, type RequestOptions } from './test-support/ticketing.harness';

type Ticket = { id: string; subject: string; channel: string; channelDetails: unknown; assetContext: unknown; status: string };
type Problem = { type: string; status: number; detail: string; errors?: Array<{ field: string; message: string }> };

const chatTicket = { channel: 'chat', subject: 'Withdrawal stuck', body: 'My BTC withdrawal is pending', language: 'en', chat: { sessionId: 'chat-1' } };
const socialDetails = { platform: 'x', handle: '@angry_trader', postUrl: 'https://x.com/angry_trader/status/1' };
const PROTOTYPE_NAMES = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString'];

describe('bad input: a 400 problem that appends nothing, and malformed stored tickets that still read (e2e)', () => {
  let harness: TicketingHarness;
  let grpc: TicketGrpcClient;
  let customer: string;
  let agent: string;

  beforeAll(async () => {
    harness = await TicketingHarness.start();
    grpc = new TicketGrpcClient(harness.grpcAddress);
    customer = await harness.token('customer', 'cust-bad');
    agent = await harness.token('agent', 'agent-bad');
  });
  afterAll(async () => {
    grpc.close();
    await harness.close();
  });

  /** Sends the request and checks: 400, problem+json, and no event appended anywhere. */
  async function refused(method: string, path: string, options: RequestOptions): Promise<Problem> {
    const head = await harness.runtime.eventStore.headPosition();
    const reply: HttpReply = await harness.request(method, path, options);
    expect({ status: reply.status, contentType: reply.contentType }).toEqual({ status: 400, contentType: expect.stringContaining('application/problem+json') });
    expect(await harness.runtime.eventStore.headPosition()).toBe(head);
    return reply.body as Problem;
  }

  async function openTicket(body: Record<string, unknown> = chatTicket): Promise<Ticket> {
    const reply = await harness.request('POST', '/v1/tickets', { token: customer, body });
    expect(reply.status).toBe(201);
    return reply.body as Ticket;
  }

  describe('a nested object must be an object', () => {
    it.each([
      ['chat', { ...chatTicket, chat: [] }],
      ['chat', { ...chatTicket, chat: 'chat-1' }],
      ['social', { channel: 'social', body: 'Scam!', social: [] }],
      ['email', { channel: 'email', subject: 's', body: 'b', email: [{ fromAddress: 'a@x.com', messageId: '<m@x>' }] }],
      ['webForm', { channel: 'web_form', subject: 's', body: 'b', webForm: [] }],
      ['api', { channel: 'api', body: 'b', api: [] }],
      ['assetContext', { ...chatTicket, assetContext: [{ asset: 'USDT', txHash: 'not-checked-per-network' }] }],
      ['assetContext', { ...chatTicket, assetContext: 5 }],
    ])('%s', async (field, body) => {
      const problem = await refused('POST', '/v1/tickets', { token: customer, body });
      expect(problem.errors).toContainEqual({ field, message: `${field} must be an object` });
    });
  });

  describe('tickets stored before nested objects were validated', () => {
    async function storeOpened(channel: string, channelDetails: unknown, assetContext: unknown): Promise<string> {
      const ticketId = newId();
      const openedAt = new Date().toISOString();
      const { lastGlobalPosition } = await harness.runtime.eventStore.append(
        `ticket-${ticketId}`,
        [
          {
            id: newId(),
            type: 'TicketOpened',
            schemaVersion: 2,
            // As `"social": []` and `"assetContext": [...]` were stored: details without their fields, the array spread into an object.
            data: {
              ticketId,
              customerId: 'cust-bad',
              channel,
              channelDetails,
              subject: 'Scam!',
              body: 'You stole my funds',
              language: 'en',
              languageGiven: 'en',
              detectedLanguage: null,
              languageFallback: false,
              assetContext,
              linkedFromTicketId: null,
              openedAt,
            },
            metadata: { ticketId, correlationId: 'corr-old', causationId: 'corr-old', actor: { kind: 'customer', id: 'cust-bad' }, occurredAt: openedAt },
          },
        ],
        { expectedRevision: 'no_stream' },
      );
      await harness.runtime.projections.waitFor(lastGlobalPosition);
      return ticketId;
    }

    it('lists and gets them over REST and gRPC, their malformed details absent', async () => {
      const ids = [
        await storeOpened('social', { channel: 'social' }, { 0: { asset: 'USDT' }, 1: { asset: 'BTC' } }),
        await storeOpened('chat', { channel: 'chat' }, null),
        await storeOpened('email', { channel: 'email' }, [{ asset: 'USDT' }]),
      ];

      for (const id of ids) {
        const rest = await harness.request('GET', `/v1/tickets/${id}`, { token: customer });
        expect(rest.status).toBe(200);
        expect(rest.body).toMatchObject({ id, channelDetails: null, assetContext: null });
        const got = await grpc.call<Record<string, unknown>>('GetTicket', { ticketId: id }, { token: agent });
        expect(got).toMatchObject({ id, assetContext: null });
        expect(got['channelDetails']).toBeUndefined();
      }
      const restPage = await harness.request('GET', '/v1/tickets?limit=100', { token: customer });
      expect(restPage.status).toBe(200);
      expect((restPage.body as { items: Ticket[] }).items.map((ticket) => ticket.id)).toEqual(expect.arrayContaining(ids));
      for (const token of [agent, customer]) {
        const page = await grpc.call<{ items: Array<{ id: string }> }>('ListTickets', { limit: 100 }, { token });
        expect(page.items.map((ticket) => ticket.id)).toEqual(expect.arrayContaining(ids));
      }
      // Still a working ticket: the decider replays its history.
      expect((await harness.request('POST', `/v1/tickets/${ids[0]}/in-progress`, { token: agent })).status).toBe(200);
    });
  });

  describe('bodies that crashed the server', () => {
    it('a message body that is an object with a constructor key', async () => {
      const { id } = await openTicket();
      const problem = await refused('POST', `/v1/tickets/${id}/messages`, { token: customer, rawBody: '{"body":{"constructor":"x"}}' });
      expect(problem.errors).toContainEqual({ field: 'body.constructor', message: 'property constructor should not exist' });
    });

    it('a number JSON cannot carry (1e309), with an Idempotency-Key', async () => {
      const rawBody = JSON.stringify({ ...chatTicket, assetContext: { amount: 7 } }).replace('7', '1e309');
      const problem = await refused('POST', '/v1/tickets', { token: customer, rawBody, headers: { 'idempotency-key': newId() } });
      expect(problem.errors).toEqual([{ field: 'assetContext.amount', message: 'assetContext.amount must be a finite number' }]);
    });

    it('an e-mail address with a lone surrogate', async () => {
      const body = JSON.stringify({ channel: 'email', subject: 's', body: 'b', email: { fromAddress: 'X@x.com', messageId: '<m-1@x>' } });
      const problem = await refused('POST', '/v1/tickets', { token: customer, rawBody: body.replace('X@x.com', '\\ud800@x.com') });
      expect(problem.errors).toEqual([{ field: 'email.fromAddress', message: expect.stringContaining('well-formed Unicode') }]);
    });

    it('a lone surrogate in a message body, which would go into the hash-chained log', async () => {
      const { id } = await openTicket();
      await refused('POST', `/v1/tickets/${id}/messages`, { token: customer, rawBody: '{"body":"hello \\udfff"}' });
    });

    it('JSON nested 2,400 levels deep', async () => {
      const rawBody = JSON.stringify(chatTicket).replace('"chat-1"', `${'{"a":'.repeat(2400)}1${'}'.repeat(2400)}`);
      const problem = await refused('POST', '/v1/tickets', { token: customer, rawBody });
      expect(problem.detail).toMatch(/nested deeper than 32/);
    });
  });

  describe('Object.prototype names are unknown fields', () => {
    it.each(PROTOTYPE_NAMES)('%s, top-level and nested', async (name) => {
      const top = await refused('POST', '/v1/tickets', { token: customer, rawBody: JSON.stringify(chatTicket).replace('{', `{"${name}":"x",`) });
      expect(top.errors).toContainEqual({ field: name, message: `property ${name} should not exist` });
      const nested = await refused('POST', '/v1/tickets', { token: customer, rawBody: JSON.stringify(chatTicket).replace('{"sessionId"', `{"${name}":{},"sessionId"`) });
      expect(nested.errors).toContainEqual({ field: `chat.${name}`, message: `property ${name} should not exist` });
    });

    it('in a query too', async () => {
      const problem = await refused('GET', '/v1/tickets?toString=x&limit=5', { token: agent });
      expect(problem.errors).toEqual([{ field: 'toString', message: 'property toString should not exist' }]);
    });
  });

  describe('actions that take no body', () => {
    it.each(['in-progress', 'waiting-on-customer', 'reopen', 'close'])('%s refuses a body with content', async (action) => {
      const { id } = await openTicket();
      const problem = await refused('POST', `/v1/tickets/${id}/${action}`, { token: agent, body: { status: 'closed' } });
      expect(problem.errors).toEqual([{ field: 'body', message: 'body must be empty or {}' }]);
      await refused('POST', `/v1/tickets/${id}/${action}`, { token: agent, body: [] });
    });

    it('accept no body, an empty JSON body and {}', async () => {
      const { id } = await openTicket();
      const noBody = await harness.request('POST', `/v1/tickets/${id}/in-progress`, { token: agent });
      expect(noBody).toMatchObject({ status: 200, body: { status: 'in_progress' } });
      const empty = await harness.request('POST', `/v1/tickets/${id}/waiting-on-customer`, { token: agent, rawBody: '', headers: { 'content-type': 'application/json' } });
      expect(empty).toMatchObject({ status: 200, body: { status: 'waiting_on_customer' } });
      const emptyObject = await harness.request('POST', `/v1/tickets/${id}/in-progress`, { token: agent, body: {} });
      expect(emptyObject).toMatchObject({ status: 200, body: { status: 'in_progress' } });
    });

    it('a route with a body DTO still refuses an empty body', async () => {
      const problem = await refused('POST', '/v1/tickets', { token: customer, rawBody: '', headers: { 'content-type': 'application/json' } });
      expect(problem.errors).toEqual([{ field: 'body', message: 'body must be a JSON object' }]);
    });
  });

  describe('a subject only where the channel has one', () => {
    it('opens a chat message without a subject, showing its first sentence', async () => {
      const { subject: _subject, ...withoutSubject } = chatTicket;
      const ticket = await openTicket({ ...withoutSubject, body: 'My BTC withdrawal is pending.   Since 09:00 UTC!' });
      expect(ticket.subject).toBe('My BTC withdrawal is pending.');
      const [opened] = await toArray(harness.runtime.eventStore.readStream(`ticket-${ticket.id}`));
      expect(opened.data).toMatchObject({ subject: 'My BTC withdrawal is pending.', subjectDerived: true });
    });

    it('opens a social post and an api ticket without a subject', async () => {
      const long = `${'scam '.repeat(60)}please help`;
      const social = await openTicket({ channel: 'social', body: long, social: socialDetails });
      expect(social.subject.length).toBeLessThanOrEqual(200);
      expect(social.subject).toMatch(/^(scam ){35,}scam…$/);
      const api = await harness.request('POST', '/v1/tickets', { token: agent, body: { channel: 'api', body: 'Deposit missing', customerId: 'cust-bad', api: { clientId: 'broker-1' } } });
      expect(api).toMatchObject({ status: 201, body: { subject: 'Deposit missing' } });
    });

    it('keeps a given subject, also on chat', async () => {
      expect((await openTicket()).subject).toBe('Withdrawal stuck');
    });

    it.each([
      ['email', { channel: 'email', body: 'b', email: { fromAddress: 'a@x.com', messageId: '<m-2@x>' } }],
      ['web_form', { channel: 'web_form', body: 'b', webForm: { formId: 'withdrawal-help' } }],
    ])('refuses %s without a subject', async (_channel, body) => {
      const problem = await refused('POST', '/v1/tickets', { token: customer, body });
      expect(problem.errors).toContainEqual({ field: 'subject', message: 'subject must be a string' });
    });

    it('over gRPC: a chat without a subject opens, an e-mail without one is INVALID_ARGUMENT and appends nothing', async () => {
      const opened = await grpc.call<{ ticket: Ticket }>('OpenTicket', { channel: 'CHANNEL_CHAT', body: 'Where are my funds? Sent yesterday', chat: { sessionId: 's-g' } }, { token: customer });
      expect(opened.ticket.subject).toBe('Where are my funds?');
      const head = await harness.runtime.eventStore.headPosition();
      const error: ServiceError = await grpc.callError(
        'OpenTicket',
        { channel: 'CHANNEL_EMAIL', body: 'b', email: { fromAddress: 'a@x.com', messageId: '<m-3@x>' } },
        { token: customer },
      );
      expect({ code: error.code, details: error.details }).toEqual({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('subject') });
      expect(await harness.runtime.eventStore.headPosition()).toBe(head);
    });
  });
});

async function toArray<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}
