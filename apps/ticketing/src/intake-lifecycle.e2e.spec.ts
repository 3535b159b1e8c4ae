import { ManualClock } from '@ticketing/kernel';
import { TicketingHarness, type HttpReply } from './test-support/ticketing.harness';

type Ticket = {
  id: string;
  status: string;
  language: string;
  languageGiven: string | null;
  detectedLanguage: string | null;
  languageFallback: boolean;
  assignee: string | null;
  firstResponseAt: string | null;
  firstResponseSeconds: number | null;
  autoCloseAt: string | null;
  linkedFromTicketId: string | null;
  mergedInto: string | null;
  assetContext: unknown;
  channelDetails: unknown;
  messageCounts: { customer: number; agent: number; notes?: number };
};
type Message = { id: string; kind: string; authorId: string; body: string };

const HOUR = 3_600_000;
const chat = (body: string, extra: Record<string, unknown> = {}) => ({
  channel: 'chat',
  subject: 'Withdrawal pending',
  body,
  language: 'en',
  chat: { sessionId: 'session-1' },
  ...extra,
});
const email = (subject: string, body: string, messageId: string, inReplyTo?: string) => ({
  channel: 'email',
  subject,
  body,
  language: 'en',
  email: { fromAddress: 'cust@example.com', messageId, ...(inReplyTo !== undefined && { inReplyTo }) },
});

describe('intake: lifecycle and conversation over REST (e2e, ManualClock)', () => {
  const clock = new ManualClock(new Date());
  let harness: TicketingHarness;
  let customer: string;
  let agent: string;

  beforeAll(async () => {
    harness = await TicketingHarness.start({ clock });
    await renewTokens();
  });
  afterAll(() => harness.close());

  /** Tokens expire on the manual clock too: mint new ones after moving it by hours. */
  async function renewTokens() {
    customer = await harness.token('customer', 'cust-life');
    agent = await harness.token('agent', 'agent-life');
  }

  async function open(body: Record<string, unknown> = chat('My withdrawal of 2 BTC is pending since this morning')): Promise<Ticket> {
    const reply = await harness.request('POST', '/v1/tickets', { token: customer, body });
    expect(reply.status).toBe(201);
    return reply.body as Ticket;
  }

  const post = (ticketId: string, action: string, token: string, body?: unknown): Promise<HttpReply> =>
    harness.request('POST', `/v1/tickets/${ticketId}/${action}`, { token, body });

  async function expectIllegal(reply: HttpReply, state: string, command: string) {
    expect(reply.status).toBe(409);
    expect(reply.contentType).toContain('application/problem+json');
    expect(reply.body).toMatchObject({ type: expect.stringContaining('illegal-state'), state, command });
  }

  it('walks a ticket through its life: work, wait, customer reply, resolve, reopen by reply, resolve, auto-close after 72 h', async () => {
    const ticket = await open();
    expect((await post(ticket.id, 'in-progress', agent)).body).toMatchObject({ status: 'in_progress' });
    expect((await post(ticket.id, 'waiting-on-customer', agent)).body).toMatchObject({ status: 'waiting_on_customer' });

    const customerReply = await post(ticket.id, 'messages', customer, { body: 'Here is the tx hash you asked for' });
    expect(customerReply.status).toBe(201);
    expect(customerReply.body).toMatchObject({ linkedTicketCreated: false, ticket: { id: ticket.id, status: 'in_progress' } });

    const resolved = (await post(ticket.id, 'resolve', agent, { resolutionCode: 'withdrawal_released' })).body as Ticket;
    expect(resolved).toMatchObject({ status: 'resolved', resolutionCode: 'withdrawal_released' });
    expect(resolved.autoCloseAt).toBe(new Date(clock.now().getTime() + 72 * HOUR).toISOString());

    clock.advance(24 * HOUR);
    await renewTokens();
    const reopening = await post(ticket.id, 'messages', customer, { body: 'It is back to pending again!' });
    expect(reopening.body).toMatchObject({ linkedTicketCreated: false, ticket: { id: ticket.id, status: 'open', autoCloseAt: null } });

    await post(ticket.id, 'resolve', agent, { resolutionCode: 'withdrawal_released' });
    const closedEvent = harness.nextEvent(`ticket-${ticket.id}`, 'TicketClosed');
    clock.advance(72 * HOUR + 60_000);
    const closed = await closedEvent;
    expect(closed.data).toMatchObject({ reason: 'auto_after_resolution' });
    await harness.runtime.projections.waitFor(closed.globalPosition);
    await renewTokens();
    expect((await harness.request('GET', `/v1/tickets/${ticket.id}`, { token: customer })).body).toMatchObject({ status: 'closed' });
  });

  it('answers every illegal transition with a 409 naming the state and the command, and appends nothing', async () => {
    const ticket = await open();
    const head = await harness.runtime.eventStore.headPosition();
    await expectIllegal(await post(ticket.id, 'close', agent), 'open', 'CloseTicket');
    await expectIllegal(await post(ticket.id, 'reopen', agent), 'open', 'ReopenTicket');
    await post(ticket.id, 'resolve', agent, { resolutionCode: 'duplicate' });
    const resolvedHead = await harness.runtime.eventStore.headPosition();
    await expectIllegal(await post(ticket.id, 'waiting-on-customer', agent), 'resolved', 'WaitOnCustomer');
    await post(ticket.id, 'close', agent);
    const closedHead = await harness.runtime.eventStore.headPosition();
    await expectIllegal(await post(ticket.id, 'in-progress', agent), 'closed', 'StartProgress');
    await expectIllegal(await post(ticket.id, 'resolve', agent, { resolutionCode: 'again' }), 'closed', 'ResolveTicket');
    expect(await harness.runtime.eventStore.headPosition()).toBe(closedHead);
    expect(closedHead).toBeGreaterThan(resolvedHead);
    expect(resolvedHead).toBeGreaterThan(head);
  });

  it('records the first public reply once, with the seconds since opening', async () => {
    const ticket = await open();
    clock.advance(90_000);
    const first = (await post(ticket.id, 'messages', agent, { body: 'Looking into it now.' })).body as { ticket: Ticket };
    expect(first.ticket).toMatchObject({ firstResponseSeconds: 90, firstResponseAt: clock.now().toISOString() });
    clock.advance(60_000);
    const second = (await post(ticket.id, 'messages', agent, { body: 'Still checking.' })).body as { ticket: Ticket };
    expect(second.ticket).toMatchObject({ firstResponseSeconds: 90 });
    const firstResponses: unknown[] = [];
    for await (const event of harness.runtime.eventStore.readStream(`ticket-${ticket.id}`)) if (event.type === 'FirstResponseGiven') firstResponses.push(event);
    expect(firstResponses).toHaveLength(1);
  });

  it('never shows internal notes to the customer, in the conversation or the counts', async () => {
    const ticket = await open();
    await post(ticket.id, 'notes', agent, { body: 'Customer flagged by risk team, do not release yet' });
    await post(ticket.id, 'messages', agent, { body: 'We are checking your withdrawal.' });

    const asCustomer = await harness.request('GET', `/v1/tickets/${ticket.id}/messages`, { token: customer });
    const asAgent = await harness.request('GET', `/v1/tickets/${ticket.id}/messages`, { token: agent });
    expect((asCustomer.body as Message[]).map((message) => message.kind)).toEqual(['customer', 'agent']);
    expect((asAgent.body as Message[]).map((message) => message.kind)).toEqual(['customer', 'note', 'agent']);
    expect(JSON.stringify(asCustomer.body)).not.toContain('risk team');

    const customerView = (await harness.request('GET', `/v1/tickets/${ticket.id}`, { token: customer })).body as Ticket;
    expect(customerView.messageCounts).toEqual({ customer: 1, agent: 1 });
    const agentView = (await harness.request('GET', `/v1/tickets/${ticket.id}`, { token: agent })).body as Ticket;
    expect(agentView.messageCounts).toEqual({ customer: 1, agent: 1, notes: 1 });
    expect((await post(ticket.id, 'notes', customer, { body: 'can I see notes?' })).status).toBe(403);
  });

  it('reopens a ticket that auto-closed when the customer writes within the reopen window', async () => {
    const ticket = await open();
    await post(ticket.id, 'resolve', agent, { resolutionCode: 'answered' });
    const closedEvent = harness.nextEvent(`ticket-${ticket.id}`, 'TicketClosed');
    clock.advance(72 * HOUR + 60_000);
    await harness.runtime.projections.waitFor((await closedEvent).globalPosition);
    clock.advance(24 * HOUR);
    await renewTokens();
    const reply = await post(ticket.id, 'messages', customer, { body: 'It happened again on day 4' });
    expect(reply.body).toMatchObject({ linkedTicketCreated: false, ticket: { id: ticket.id, status: 'open', closedAt: null } });
  });

  it('opens a new linked ticket when the customer writes after the reopen window', async () => {
    const ticket = await open();
    await post(ticket.id, 'resolve', agent, { resolutionCode: 'answered' });
    clock.advance(8 * 24 * HOUR);
    await renewTokens();
    const late = await post(ticket.id, 'messages', customer, { body: 'Same problem again, 8 days later' });
    expect(late.status).toBe(201);
    const { ticket: linked, linkedTicketCreated } = late.body as { ticket: Ticket; linkedTicketCreated: boolean };
    expect(linkedTicketCreated).toBe(true);
    expect(linked).toMatchObject({ status: 'open', linkedFromTicketId: ticket.id });
    expect(linked.id).not.toBe(ticket.id);
  });

  it('merges a duplicate: its reads redirect to the surviving ticket and its writes are refused', async () => {
    const survivor = await open();
    const duplicate = await open(chat('Withdrawal pending, writing again'));
    const merged = await post(duplicate.id, 'merge', agent, { intoTicketId: survivor.id });
    expect(merged.body).toMatchObject({ status: 'merged', mergedInto: survivor.id });

    const redirect = await fetch(`${harness.baseUrl}/v1/tickets/${duplicate.id}`, {
      headers: { authorization: `Bearer ${customer}` },
      redirect: 'manual',
    });
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get('location')).toBe(`/v1/tickets/${survivor.id}`);
    const followed = await harness.request('GET', `/v1/tickets/${duplicate.id}`, { token: customer });
    expect(followed.body).toMatchObject({ id: survivor.id });

    const write = await post(duplicate.id, 'messages', customer, { body: 'hello?' });
    expect(write.status).toBe(409);
    expect(write.body).toMatchObject({ state: 'merged', intoTicketId: survivor.id });
    expect((await post(survivor.id, 'merge', agent, { intoTicketId: survivor.id })).status).toBe(400);
  });

  it("refuses to merge one customer's ticket into another customer's (409 illegal-state), appending nothing", async () => {
    const other = await harness.token('customer', 'cust-life-other');
    const theirs = (await harness.request('POST', '/v1/tickets', { token: other, body: chat('My deposit is missing') })).body as Ticket;
    const mine = await open();
    const streamLength = async (ticketId: string) => {
      let count = 0;
      for await (const _event of harness.runtime.eventStore.readStream(`ticket-${ticketId}`)) count += 1;
      return count;
    };
    const before = [await streamLength(mine.id), await streamLength(theirs.id)];

    const refused = await post(mine.id, 'merge', agent, { intoTicketId: theirs.id });
    expect(refused.status).toBe(409);
    expect(refused.contentType).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ type: expect.stringContaining('illegal-state'), ticketId: mine.id, intoTicketId: theirs.id });
    expect(JSON.stringify(refused.body)).not.toContain('cust-life-other');
    expect([await streamLength(mine.id), await streamLength(theirs.id)]).toEqual(before);
    expect((await harness.request('GET', `/v1/tickets/${mine.id}`, { token: customer })).body).toMatchObject({ status: 'open', mergedInto: null });
  });

  it('detects the language when none is given, and falls back to en with a flag for unsupported ones', async () => {
    const russian = await open({ channel: 'chat', subject: 'Вывод средств', body: 'Мой вывод средств завис уже три часа, помогите пожалуйста', chat: { sessionId: 's-ru' } });
    expect(russian).toMatchObject({ language: 'ru', languageGiven: null, detectedLanguage: 'ru', languageFallback: false });
    const german = await open({
      channel: 'chat',
      subject: 'Auszahlung hängt',
      body: 'Meine Auszahlung hängt seit drei Stunden fest, bitte helfen Sie mir schnell',
      chat: { sessionId: 's-de' },
    });
    expect(german).toMatchObject({ language: 'en', languageGiven: null, languageFallback: true });
    expect(german.detectedLanguage).not.toBe('en');
  });

  it('keeps each channel’s details and a validated asset context', async () => {
    const social = await open({
      channel: 'social',
      subject: 'Public complaint',
      body: 'Exchange froze my account!!',
      language: 'en',
      social: { platform: 'x', handle: '@angry_trader', postUrl: 'https://x.com/angry_trader/status/1790000000000000001' },
      assetContext: { asset: 'USDT', network: 'ERC20', amount: '1250.50', txHash: `0x${'a'.repeat(64)}` },
    });
    expect(social.channelDetails).toEqual({ channel: 'social', platform: 'x', handle: '@angry_trader', postUrl: 'https://x.com/angry_trader/status/1790000000000000001' });
    expect(social.assetContext).toEqual({ asset: 'USDT', network: 'ERC20', amount: '1250.50', txHash: `0x${'a'.repeat(64)}` });
  });

  it('threads an e-mail reply onto the ticket its In-Reply-To names', async () => {
    const first = await open(email('Deposit missing', 'My ETH deposit has not arrived', '<m1@mail.example.com>'));
    const reply = await harness.request('POST', '/v1/tickets', {
      token: customer,
      body: email('Re: Deposit missing', 'Any news?', '<m2@mail.example.com>', '<m1@mail.example.com>'),
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ id: first.id, messageCounts: { customer: 2 } });
    const third = await harness.request('POST', '/v1/tickets', {
      token: customer,
      body: email('Re: Re: Deposit missing', 'Hello??', '<m3@mail.example.com>', '<m2@mail.example.com>'),
    });
    expect(third.body).toMatchObject({ id: first.id, messageCounts: { customer: 3 } });
  });

  describe('Idempotency-Key', () => {
    it('returns the first response for the same key and body, and opens one ticket', async () => {
      const headers = { 'idempotency-key': 'open-once-1' };
      const body = chat('Please help, idempotent');
      const first = await harness.request('POST', '/v1/tickets', { token: customer, body, headers });
      const again = await harness.request('POST', '/v1/tickets', { token: customer, body, headers });
      expect(first.status).toBe(201);
      expect(again.status).toBe(201);
      expect(again.body).toEqual(first.body);
      const mine = (await harness.request('GET', '/v1/tickets?limit=100', { token: customer })).body as { items: Ticket[] };
      expect(mine.items.filter((item) => (item as unknown as { subject: string }).subject === 'Withdrawal pending' && item.id === (first.body as Ticket).id)).toHaveLength(1);
    });

    it('answers 422 for the same key with a different body, appending nothing', async () => {
      const headers = { 'idempotency-key': 'open-once-2' };
      await harness.request('POST', '/v1/tickets', { token: customer, body: chat('first body'), headers });
      const head = await harness.runtime.eventStore.headPosition();
      const other = await harness.request('POST', '/v1/tickets', { token: customer, body: chat('another body'), headers });
      expect(other.status).toBe(422);
      expect(other.contentType).toContain('application/problem+json');
      expect(await harness.runtime.eventStore.headPosition()).toBe(head);
    });

    it('replays the first status too: an e-mail that threaded (200) answers 200 again, and appends nothing more', async () => {
      const headers = { 'idempotency-key': 'thread-once' };
      const first = await open(email('Card top-up missing', 'My card top-up has not arrived', '<idem-1@mail.example.com>'));
      const reply = email('Re: Card top-up missing', 'Still nothing', '<idem-2@mail.example.com>', '<idem-1@mail.example.com>');
      const threaded = await harness.request('POST', '/v1/tickets', { token: customer, body: reply, headers });
      expect(threaded.status).toBe(200);
      const head = await harness.runtime.eventStore.headPosition();
      const again = await harness.request('POST', '/v1/tickets', { token: customer, body: reply, headers });
      expect(again.status).toBe(200);
      expect(again.body).toEqual(threaded.body);
      expect(again.body).toMatchObject({ id: first.id, messageCounts: { customer: 2 } });
      expect(await harness.runtime.eventStore.headPosition()).toBe(head);
    });

    it('frees a key a day after its first request (TICKETING_IDEMPOTENCY_KEY_RETENTION_HOURS): the same request then opens a new ticket', async () => {
      const headers = { 'idempotency-key': 'open-a-day-apart' };
      const body = chat('Same words, a day apart');
      const first = await harness.request('POST', '/v1/tickets', { token: customer, body, headers });
      clock.advance(23 * 3_600_000);
      await renewTokens();
      expect((await harness.request('POST', '/v1/tickets', { token: customer, body, headers })).body).toEqual(first.body);
      clock.advance(3_600_000 + 60_000);
      await renewTokens();
      const later = await harness.request('POST', '/v1/tickets', { token: customer, body, headers });
      expect(later.status).toBe(201);
      expect((later.body as Ticket).id).not.toBe((first.body as Ticket).id);
    });

    it('refuses a malformed key with a 400 problem, appending nothing', async () => {
      const head = await harness.runtime.eventStore.headPosition();
      const reply = await harness.request('POST', '/v1/tickets', { token: customer, body: chat('bad key'), headers: { 'idempotency-key': 'has spaces' } });
      expect(reply.status).toBe(400);
      expect(reply.contentType).toContain('application/problem+json');
      expect(reply.body).toMatchObject({ errors: [{ field: 'Idempotency-Key', message: '1 to 255 visible ASCII characters' }] });
      expect(await harness.runtime.eventStore.headPosition()).toBe(head);
    });

    it('frees the key of a refused request, so the corrected retry goes through under it', async () => {
      const headers = { 'idempotency-key': 'corrected-retry' };
      const refused = await harness.request('POST', '/v1/tickets', { token: customer, body: chat(''), headers });
      expect(refused.status).toBe(400);
      const corrected = await harness.request('POST', '/v1/tickets', { token: customer, body: chat('now with a body'), headers });
      expect(corrected.status).toBe(201);
    });

    it('leaves a request without a valid token to the guard: 401, and the key stays unused', async () => {
      const headers = { 'idempotency-key': 'unauthenticated' };
      const anonymous = await harness.request('POST', '/v1/tickets', { body: chat('who am I'), headers });
      expect(anonymous.status).toBe(401);
      const signedIn = await harness.request('POST', '/v1/tickets', { token: customer, body: chat('who am I'), headers });
      expect(signedIn.status).toBe(201);
    });

    it('keeps keys per caller: another customer using the same key gets their own ticket', async () => {
      const headers = { 'idempotency-key': 'shared-key' };
      const mine = await harness.request('POST', '/v1/tickets', { token: customer, body: chat('mine'), headers });
      const theirs = await harness.request('POST', '/v1/tickets', { token: await harness.token('customer', 'cust-other'), body: chat('mine'), headers });
      expect((theirs.body as Ticket).id).not.toBe((mine.body as Ticket).id);
    });
  });

  describe('listing', () => {
    it('filters and pages with a stable cursor; customers see only their own tickets', async () => {
      const lister = await harness.token('customer', 'cust-list');
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const reply = await harness.request('POST', '/v1/tickets', { token: lister, body: chat(`list ${i}`) });
        ids.push((reply.body as Ticket).id);
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = `/v1/tickets?limit=2&status=open${cursor ? `&cursor=${cursor}` : ''}`;
        const page = (await harness.request('GET', query, { token: lister })).body as { items: Ticket[]; nextCursor: string | null };
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((item) => item.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual([...ids].reverse());

      const staffView = (await harness.request('GET', '/v1/tickets?customerId=cust-list&limit=100', { token: agent })).body as { items: Ticket[] };
      expect(staffView.items).toHaveLength(5);
      const bad = await harness.request('GET', '/v1/tickets?limit=1000', { token: agent });
      expect(bad.status).toBe(400);
    });
  });

  describe('bad input on open is a 400 problem and appends nothing', () => {
    it.each([
      ['chat without its details', { channel: 'chat', subject: 's', body: 'b', language: 'en' }],
      ['details of another channel', { ...chat('b'), email: { fromAddress: 'a@b.co', messageId: '<x@y>' } }],
      ['a float-looking amount with an exponent', chat('b', { assetContext: { asset: 'BTC', amount: '1e5' } })],
      ['a negative amount', chat('b', { assetContext: { asset: 'BTC', amount: '-1.5' } })],
      ['an EVM tx hash of the wrong length', chat('b', { assetContext: { network: 'ERC20', txHash: '0x1234567890abcdef1234' } })],
      ['a BTC tx hash with 0x', chat('b', { assetContext: { network: 'BTC', txHash: `0x${'b'.repeat(64)}` } })],
      ['a social post URL that is not https', { channel: 'social', subject: 's', body: 'b', language: 'en', social: { platform: 'x', handle: 'a', postUrl: 'http://x.com/a/1' } }],
    ])('%s', async (_name, body) => {
      const head = await harness.runtime.eventStore.headPosition();
      const reply = await harness.request('POST', '/v1/tickets', { token: customer, body });
      expect(reply.status).toBe(400);
      expect(reply.contentType).toContain('application/problem+json');
      expect(await harness.runtime.eventStore.headPosition()).toBe(head);
    });
  });
});
