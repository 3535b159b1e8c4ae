import { status } from '@grpc/grpc-js';
import type { RecordedEvent } from '@ticketing/event-store';
import { newId } from '@ticketing/kernel';
import { readStarterArticles, starterKbDir } from '@ticketing/kb-feature';
import { TicketGrpcClient } from './test-support/ticket-grpc.client';
import { TicketingHarness, type HttpReply } from './test-support/ticketing.harness';

type Suggestion = { id: string; title: string; category: string; score: number; url: string };
type Ticket = { id: string; status: string; resolutionCode: string | null; queue: string | null; suggestions?: Suggestion[] };
type Metrics = { sessionsWithSuggestions: number; deflectedSessions: number; sessionsWithTicket: number };

/** Categories a person must handle: never suggested an article instead. */
const NEEDS_A_PERSON = ['security_incident', 'withdrawal_issue', 'liquidation_dispute'];
const RESET_2FA = 'I lost my phone with Google Authenticator on it and can not log in anymore. How do I reset 2FA on my account?';

const expectProblem = (reply: HttpReply, statusCode: number) => {
  expect(reply.status).toBe(statusCode);
  expect(reply.contentType).toContain('application/problem+json');
};

describe('self-service: suggestions on opening, self-served tickets, deflection (e2e)', () => {
  let harness: TicketingHarness;
  let grpc: TicketGrpcClient;
  let customer: string;
  let otherCustomer: string;
  let agent: string;
  let ops: string;

  beforeAll(async () => {
    const starter = await readStarterArticles(starterKbDir()!);
    harness = await TicketingHarness.start({ env: { TICKETING_KB_STARTER: 'on' } });
    // The starter KB loads in the background: wait until its last article is published and read-modelled.
    const published = await harness.nextEvent(`article-${starter.at(-1)!.id}`, 'ArticlePublished');
    await harness.runtime.projections.waitFor(published.globalPosition);
    grpc = new TicketGrpcClient(harness.grpcAddress);
    customer = await harness.token('customer', 'cust-self');
    otherCustomer = await harness.token('customer', 'cust-other');
    agent = await harness.token('agent', 'agent-self');
    ops = await harness.token('ops', 'ops-self');
  });
  afterAll(async () => {
    grpc?.close();
    await harness?.close();
  });

  const head = () => harness.runtime.eventStore.headPosition();

  async function ticketEvents(ticketId: string, type: string): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    for await (const event of harness.runtime.eventStore.readAll({ filter: { streamPrefixes: [`ticket-${ticketId}`], eventTypes: [type] } })) events.push(event);
    return events;
  }

  /** Opens a chat ticket as the customer, waits until routing queued it, and answers the 201 body. */
  async function open(body: string, extra: Record<string, unknown> = {}): Promise<Ticket> {
    const reply = await harness.request('POST', '/v1/tickets', { token: customer, body: { channel: 'chat', body, chat: { sessionId: `chat-${newId()}` }, ...extra } });
    expect(reply.status).toBe(201);
    await harness.ticketQueued((reply.body as Ticket).id);
    return reply.body as Ticket;
  }

  const selfServe = (ticketId: string, body: unknown, token = customer) => harness.request('POST', `/v1/tickets/${ticketId}/self-served`, { token, body });

  async function waitingIn(queue: string): Promise<string[]> {
    await harness.runtime.projections.waitFor(await head());
    const reply = await harness.request('GET', `/v1/routing/queues/${queue}?limit=200`, { token: agent });
    expect(reply.status).toBe(200);
    return (reply.body as { tickets: { ticketId: string }[] }).tickets.map((ticket) => ticket.ticketId);
  }

  async function metrics(): Promise<Metrics> {
    await harness.runtime.projections.waitFor(await head());
    const reply = await harness.request('GET', '/v1/kb/metrics', { token: ops });
    expect(reply.status).toBe(200);
    return reply.body as Metrics;
  }

  it('answers up to 3 suggestions of self-service categories when a “how do I reset 2FA” ticket is opened', async () => {
    const ticket = await open(RESET_2FA);
    expect(ticket.suggestions!.length).toBeGreaterThan(0);
    expect(ticket.suggestions!.length).toBeLessThanOrEqual(3);
    expect(ticket.suggestions!.map((suggestion) => suggestion.id)).toContain('reset-2fa-lost-phone');
    for (const suggestion of ticket.suggestions!) expect(NEEDS_A_PERSON).not.toContain(suggestion.category);
    expect(ticket.suggestions![0]).toMatchObject({ title: expect.stringMatching(/\S/), url: expect.stringMatching(/^\/v1\/kb\/articles\/[a-z0-9-]+\?lang=en$/) });
  });

  it('answers suggestions in the ticket’s language, and never an article of a category that needs a person', async () => {
    const ko = await open('OTP 앱이 있는 휴대폰을 잃어버렸어요. 2단계 인증(2FA) 초기화는 어떻게 하나요?');
    expect(ko.suggestions!.map((suggestion) => suggestion.url)).toContain('/v1/kb/articles/reset-2fa-lost-phone?lang=ko');

    // An article that matches the words of a hacked account exactly, but of a category that needs a person.
    const hacked = 'Someone logged into my account from an unknown IP and withdrew all my BTC to an address I do not know! I did not do this, freeze my account now!';
    expect((await harness.request('POST', '/v1/kb/articles', { token: agent, body: { id: 'account-hacked-freeze', category: 'security_incident', tags: [], sourceLanguage: 'en' } })).status).toBe(201);
    await harness.request('PUT', '/v1/kb/articles/account-hacked-freeze/translations/en', { token: agent, body: { title: 'Unknown IP login, BTC withdrew, freeze my account', body: hacked } });
    expect((await harness.request('POST', '/v1/kb/articles/account-hacked-freeze/publish', { token: agent })).status).toBe(200);
    await harness.runtime.projections.waitFor(await head());
    const found = await harness.request('GET', `/v1/kb/articles?q=${encodeURIComponent('unknown IP freeze account')}&lang=en`);
    expect((found.body as { items: Suggestion[] }).items.map((item) => item.id)).toContain('account-hacked-freeze');
    const emergency = await open(hacked, { language: 'en' });
    for (const suggestion of emergency.suggestions!) expect(NEEDS_A_PERSON).not.toContain(suggestion.category);
  });

  describe('POST /v1/tickets/{id}/self-served', () => {
    it('resolves the ticket as self-served by the customer, off the routing board', async () => {
      const ticket = await open(RESET_2FA, { language: 'en' });
      const queued = (await harness.request('GET', `/v1/tickets/${ticket.id}`, { token: customer })).body as Ticket;
      expect(await waitingIn(queued.queue!)).toContain(ticket.id);

      const reply = await selfServe(ticket.id, { articleId: 'reset-2fa-lost-phone' });
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ id: ticket.id, status: 'resolved', resolutionCode: 'self_served', autoCloseAt: expect.any(String) });
      const [served] = await ticketEvents(ticket.id, 'TicketSelfServed');
      expect(served.data).toMatchObject({ ticketId: ticket.id, articleId: 'reset-2fa-lost-phone', by: 'cust-self' });
      expect(await waitingIn(queued.queue!)).not.toContain(ticket.id);
      expect((await harness.request('GET', `/v1/tickets/${ticket.id}`, { token: agent })).body).toMatchObject({ status: 'resolved', resolutionCode: 'self_served' });
    });

    it('again with the same article answers the same and appends nothing; another article afterwards is a 409', async () => {
      const ticket = await open(RESET_2FA);
      const first = await selfServe(ticket.id, { articleId: 'reset-2fa-lost-phone' });
      const afterFirst = await head();
      const again = await selfServe(ticket.id, { articleId: 'reset-2fa-lost-phone' });
      expect(again.status).toBe(200);
      expect(again.body).toEqual(first.body);
      expect(await head()).toBe(afterFirst);
      expect(await ticketEvents(ticket.id, 'TicketSelfServed')).toHaveLength(1);
      expectProblem(await selfServe(ticket.id, { articleId: 'kyc-levels-and-limits' }), 409);
      expect(await head()).toBe(afterFirst);
    });

    it('is the ticket’s customer’s: another customer gets 404, an agent 403, bad input 400; nothing appended', async () => {
      const ticket = await open(RESET_2FA);
      const before = await head();
      expectProblem(await selfServe(ticket.id, { articleId: 'reset-2fa-lost-phone' }, otherCustomer), 404);
      expectProblem(await selfServe(ticket.id, { articleId: 'reset-2fa-lost-phone' }, agent), 403);
      expectProblem(await selfServe(ticket.id, { articleId: 'Not An Article!' }), 400);
      expectProblem(await selfServe(ticket.id, {}), 400);
      expectProblem(await selfServe(newId(), { articleId: 'reset-2fa-lost-phone' }), 404);
      expect(await head()).toBe(before);
      expect((await harness.request('GET', `/v1/tickets/${ticket.id}`, { token: customer })).body).toMatchObject({ status: 'open' });
    });

    it('over gRPC SelfServeTicket: resolves once, with the same refusals', async () => {
      const ticket = await open(RESET_2FA);
      const before = await head();
      expect((await grpc.callError('SelfServeTicket', { ticketId: ticket.id, articleId: 'reset-2fa-lost-phone' }, { token: otherCustomer })).code).toBe(status.NOT_FOUND);
      expect((await grpc.callError('SelfServeTicket', { ticketId: ticket.id, articleId: 'reset-2fa-lost-phone' }, { token: agent })).code).toBe(status.PERMISSION_DENIED);
      expect((await grpc.callError('SelfServeTicket', { ticketId: ticket.id, articleId: '' }, { token: customer })).code).toBe(status.INVALID_ARGUMENT);
      expect(await head()).toBe(before);

      const served = await grpc.call('SelfServeTicket', { ticketId: ticket.id, articleId: 'reset-2fa-lost-phone' }, { token: customer });
      expect(served).toMatchObject({ id: ticket.id, status: 'TICKET_STATUS_RESOLVED', resolutionCode: 'self_served' });
      const again = await grpc.call('SelfServeTicket', { ticketId: ticket.id, articleId: 'reset-2fa-lost-phone' }, { token: customer });
      expect(again).toMatchObject({ id: ticket.id, status: 'TICKET_STATUS_RESOLVED' });
      expect(await ticketEvents(ticket.id, 'TicketSelfServed')).toHaveLength(1);
    });
  });

  describe('deflection metrics', () => {
    it('count a session whose ticket was self-served as deflected, one whose ticket was only opened as not', async () => {
      const before = await metrics();
      const served = `sess-${newId()}`;
      const opened = `sess-${newId()}`;
      for (const sessionId of [served, opened]) {
        const shown = await harness.request('GET', `/v1/kb/suggest?q=${encodeURIComponent('reset 2fa lost phone')}&lang=en&sessionId=${sessionId}`);
        expect((shown.body as { items: Suggestion[] }).items.length).toBeGreaterThan(0);
      }
      const first = await open(RESET_2FA, { sessionId: served });
      expect((await selfServe(first.id, { articleId: first.suggestions![0].id, sessionId: served })).status).toBe(200);
      await open(RESET_2FA, { sessionId: opened });

      const after = await metrics();
      expect(after.sessionsWithSuggestions - before.sessionsWithSuggestions).toBe(2);
      expect(after.deflectedSessions - before.deflectedSessions).toBe(1);
      expect(after.sessionsWithTicket - before.sessionsWithTicket).toBe(2);
    });

    it('count a ticket opened in a session and self-served without repeating the session id as deflected', async () => {
      const before = await metrics();
      const sessionId = `sess-${newId()}`;
      const ticket = await open(RESET_2FA, { sessionId });
      expect(ticket.suggestions!.length).toBeGreaterThan(0);
      expect((await selfServe(ticket.id, { articleId: ticket.suggestions![0].id })).status).toBe(200);
      const after = await metrics();
      expect(after.sessionsWithSuggestions - before.sessionsWithSuggestions).toBe(1);
      expect(after.deflectedSessions - before.deflectedSessions).toBe(1);
    });
  });
});
