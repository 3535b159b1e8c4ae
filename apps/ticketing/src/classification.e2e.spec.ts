import { status } from '@grpc/grpc-js';
import { ROUTING_PROTO_FILE } from '@ticketing/contracts';
import type { RecordedEvent } from '@ticketing/event-store';
import { ManualClock, newId } from '@ticketing/kernel';
import { ContextGrpcClient } from './test-support/context-grpc.client';
import { TicketingHarness, type HttpReply } from './test-support/ticketing.harness';

type Classified = { category: string; priority: string; confidence: number; language: string; modelVersion: string; lowConfidence: boolean };
type Routed = { ticketId: string; queue: string; category: string | null; priority: string | null; confidence: number | null; signals: string[] };
type Ticket = { id: string; status: string; language: string; queue: string | null; category: string | null; priority: string | null };
type QueueDepth = { queue: string; waiting: number; emergencies: number; oldestQueuedAt: string | null; oldestWaitSeconds: number | null };
type Problem = { status: number; errors?: { field: string }[] };


const expectProblem = (reply: HttpReply, statusCode: number, field?: string) => {
  expect(reply.status).toBe(statusCode);
  expect(reply.contentType).toContain('application/problem+json');
  if (field !== undefined) expect((reply.body as Problem).errors?.map((error) => error.field)).toContain(field);
};

describe('classification, category queues and recategorization over REST and gRPC (e2e)', () => {
  const clock = new ManualClock(new Date('2025-03-01T08:00:00.000Z'));
  let harness: TicketingHarness;
  let grpc: ContextGrpcClient;
  let customer: string;
  let agent: string;
  let supervisor: string;
  let ops: string;

  beforeAll(async () => {
    harness = await TicketingHarness.start({ clock });
    grpc = new ContextGrpcClient(ROUTING_PROTO_FILE, 'ticketing.routing.v1.RoutingService', harness.grpcAddress);
    customer = await harness.token('customer', 'cust-routing');
    agent = await harness.token('agent', 'agent-routing');
    supervisor = await harness.token('supervisor', 'sup-routing');
    ops = await harness.token('ops', 'ops-routing');
  });
  afterAll(async () => {
    grpc?.close();
    await harness?.close();
  });

  const head = () => harness.runtime.eventStore.headPosition();

  async function routingEvents(ticketId: string): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    for await (const event of harness.runtime.eventStore.readAll({ filter: { streamPrefixes: [`routing-${ticketId}`] } })) events.push(event);
    return events;
  }

  /** Opens a ticket as the customer and waits until routing queued it and the read models show it. */
  async function openAndQueue(body: Record<string, unknown>): Promise<Ticket> {
    const opened = await harness.request('POST', '/v1/tickets', { token: customer, body });
    expect(opened.status).toBe(201);
    const id = (opened.body as Ticket).id;
    await harness.ticketQueued(id);
    const read = await harness.request('GET', `/v1/tickets/${id}`, { token: agent });
    expect(read.status).toBe(200);
    return read.body as Ticket;
  }

  const chat = (text: string, extra: Record<string, unknown> = {}) => ({ channel: 'chat', body: text, chat: { sessionId: `chat-${newId()}` }, ...extra });

  describe('POST /v1/routing/classify', () => {
    const classify = (body: unknown, token: string | undefined = customer) => harness.request('POST', '/v1/routing/classify', { token, body });

    it.each([
      ['en', 'withdrawal_issue', 'emergency', 'Withdrawal stuck', 'I requested a withdrawal of 0.5 BTC six hours ago and it is still stuck on "processing". Why is my withdrawal not sent yet?'],
      ['en', 'liquidation_dispute', 'high', '', 'I got liquidated on my ETH long but the index price never reached my liquidation price! The mark price spiked on your exchange only. I want compensation for this unfair liquidation.'],
      ['zh', 'deposit_missing', 'high', '', '我三个小时前从钱包充值了500 USDT（TRC20），区块浏览器上显示已经确认了，但是我的账户余额还是没有到账，请帮忙查一下。'],
      ['ja', 'kyc_verification', 'normal', '', '本人確認の書類を三日前に提出しましたが、まだ審査中のままです。KYCの審査にはどのくらい時間がかかりますか？'],
      ['ru', 'api_support', 'normal', '', 'Мой API ключ возвращает ошибку -1022 "Signature for this request is not valid". Как правильно подписать запрос HMAC SHA256?'],
    ])('in %s: %s, priority %s; nothing appended', async (language, category, priority, subject, body) => {
      const before = await head();
      const reply = await classify({ ...(subject && { subject }), body, channel: 'web_form' });
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ category, priority, language, lowConfidence: false, modelVersion: expect.stringMatching(/\S/) });
      expect((reply.body as Classified).confidence).toBeGreaterThan(0);
      expect((reply.body as Classified).confidence).toBeLessThanOrEqual(1);
      expect(await head()).toBe(before);
    });

    it('raises a public social complaint to at least high', async () => {
      const body = 'How long does KYC verification take?? Submitted my passport a week ago and still pending';
      const onWeb = (await classify({ body, channel: 'web_form' })).body as Classified;
      const onSocial = (await classify({ body, channel: 'social' })).body as Classified;
      expect(onWeb).toMatchObject({ category: 'kyc_verification', priority: 'normal' });
      expect(onSocial).toMatchObject({ category: 'kyc_verification', priority: 'high' });
    });

    it.each([
      ['emoji only', '😡😡😡🔥🔥💸'],
      ['mixed scripts', '我的 withdrawal ещё не пришла, 出金が遅い 출금 please help'],
    ])('answers 200 for %s, appending nothing', async (_name, body) => {
      const before = await head();
      const reply = await classify({ body, channel: 'chat' });
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ category: expect.any(String), language: expect.any(String), confidence: expect.any(Number) });
      expect(await head()).toBe(before);
    });

    it.each([
      ['an empty body', { body: '', channel: 'chat' }, 'body'],
      ['a missing channel', { body: 'my deposit has not arrived' }, 'channel'],
      ['an unknown channel', { body: 'my deposit has not arrived', channel: 'telegram' }, 'channel'],
      ['a body over 100,000 characters', { body: 'my deposit has not arrived '.repeat(4000).slice(0, 100_001), channel: 'email' }, 'body'],
      ['an unknown field', { body: 'my deposit has not arrived', channel: 'chat', ticketId: newId() }, 'ticketId'],
    ])('refuses %s: 400 problem+json, nothing appended', async (_name, body, field) => {
      const before = await head();
      expectProblem(await classify(body), 400, field);
      expect(await head()).toBe(before);
    });

    it('accepts a body of exactly 100,000 characters', async () => {
      const reply = await classify({ body: 'my deposit has not arrived '.repeat(4000).slice(0, 100_000), channel: 'email' });
      expect(reply.status).toBe(200);
    });

    it('is for authenticated callers only: 401 without a token', async () => {
      expectProblem(await classify({ body: 'my deposit has not arrived', channel: 'chat' }, ''), 401);
    });

    it('answers the same over gRPC ClassifyText, and refuses a missing channel with INVALID_ARGUMENT', async () => {
      const before = await head();
      const body = '我三个小时前从钱包充值了500 USDT（TRC20），区块浏览器上显示已经确认了，但是我的账户余额还是没有到账，请帮忙查一下。';
      const verdict = await grpc.call('ClassifyText', { body, channel: 'CHANNEL_WEB_FORM' }, customer);
      expect(verdict).toMatchObject({ category: 'CATEGORY_DEPOSIT_MISSING', priority: 'PRIORITY_HIGH', language: 'LANGUAGE_ZH', lowConfidence: false });
      const refused = await grpc.error('ClassifyText', { body }, customer);
      expect(refused.code).toBe(status.INVALID_ARGUMENT);
      expect((await grpc.error('ClassifyText', { body, channel: 'CHANNEL_CHAT' })).code).toBe(status.UNAUTHENTICATED);
      expect(await head()).toBe(before);
    });
  });

  describe('opened tickets are classified and queued by category × language', () => {
    it('a withdrawal emergency lands in security-emergency with priority emergency, whatever its language', async () => {
      const ticket = await openAndQueue(chat('提币一直在审核中，已经八个小时了，为什么还不出款？客服也不回复'));
      expect(ticket).toMatchObject({ language: 'zh', category: 'withdrawal_issue', priority: 'emergency', queue: 'security-emergency' });
      const [classified, queued] = await routingEvents(ticket.id);
      expect(classified).toMatchObject({ type: 'TicketClassified', data: { category: 'withdrawal_issue', priority: 'emergency', modelVersion: expect.any(String) } });
      expect(queued).toMatchObject({ type: 'TicketQueued', data: { queue: 'security-emergency', rule: 'emergency-lane' } });
    });

    it('a KYC question in Korean goes to account-ko', async () => {
      const ticket = await openAndQueue(chat('KYC 신분증 인증 서류를 일주일 전에 제출했는데 아직도 심사 중이라고 나옵니다. 본인인증은 보통 며칠 걸리나요?'));
      expect(ticket).toMatchObject({ language: 'ko', category: 'kyc_verification', priority: 'normal', queue: 'account-ko' });
    });

    it('a public complaint on social goes to social-escalations at priority high or above', async () => {
      const ticket = await openAndQueue({
        channel: 'social',
        body: '@exchange your app froze again during the pump and my limit order never filled even though the price went way past it. Worst trading engine ever, fix your matching!',
        social: { platform: 'x', handle: '@angry_trader', postUrl: 'https://x.com/angry_trader/status/1790000000000000000' },
      });
      expect(ticket.queue).toBe('social-escalations');
      expect(['high', 'emergency']).toContain(ticket.priority);
      const [classified] = await routingEvents(ticket.id);
      expect(classified.data).toMatchObject({ channel: 'social', signals: expect.arrayContaining(['public_social']) });
      const routed = await harness.request('GET', `/v1/routing/tickets/${ticket.id}`, { token: agent });
      expect(routed.body).toMatchObject({ ticketId: ticket.id, queue: 'social-escalations', signals: expect.arrayContaining(['public_social']) });
    });

    it('an asset amount above the threshold raises the priority one step (deposit_missing high → emergency)', async () => {
      const text = 'I sent USDT on TRC20 to my deposit address two hours ago. The txid is confirmed on Tronscan but the deposit is not credited to my account balance.';
      const small = await openAndQueue(chat(text, { language: 'en', assetContext: { asset: 'USDT', network: 'TRC20', amount: '500' } }));
      const large = await openAndQueue(chat(text, { language: 'en', assetContext: { asset: 'USDT', network: 'TRC20', amount: '25000' } }));
      expect(small).toMatchObject({ category: 'deposit_missing', priority: 'high', queue: 'funds-en' });
      expect(large).toMatchObject({ category: 'deposit_missing', priority: 'emergency', queue: 'security-emergency' });
      const [classified] = await routingEvents(large.id);
      expect(classified.data).toMatchObject({ signals: ['asset_amount_above_threshold'] });
    });
  });

  describe('queue depths and waiting order', () => {
    it('lists each queue’s depth and oldest wait, and its tickets by priority then age', async () => {
      const kyc = 'How long does KYC verification take? I uploaded my passport and selfie yesterday and the status still says under review.';
      const firstKyc = await openAndQueue(chat(kyc, { language: 'en' }));
      const openedAt = clock.now().toISOString();
      clock.advance(60_000);
      const locked = await openAndQueue(chat('I cannot log in to my account, it says my password is wrong and the reset email never arrives. Please help me get back in.', { language: 'en' }));
      clock.advance(60_000);
      const secondKyc = await openAndQueue(chat(kyc, { language: 'en' }));
      clock.advance(30_000);
      expect(firstKyc).toMatchObject({ category: 'kyc_verification', priority: 'normal', queue: 'account-en' });
      expect(locked).toMatchObject({ category: 'account_access', priority: 'high', queue: 'account-en' });

      const listed = await harness.request('GET', '/v1/routing/queues', { token: ops });
      expect(listed.status).toBe(200);
      const queues = (listed.body as { queues: QueueDepth[] }).queues;
      expect(queues.find((queue) => queue.queue === 'account-en')).toEqual({ queue: 'account-en', waiting: 3, emergencies: 0, oldestQueuedAt: openedAt, oldestWaitSeconds: 150 });
      const lane = queues.find((queue) => queue.queue === 'security-emergency');
      expect(lane?.waiting).toBeGreaterThan(0);
      expect(lane?.emergencies).toBe(lane?.waiting);

      const waiting = await harness.request('GET', '/v1/routing/queues/account-en', { token: agent });
      expect(waiting.status).toBe(200);
      expect((waiting.body as { tickets: Routed[] }).tickets.map((ticket) => ticket.ticketId)).toEqual([locked.id, firstKyc.id, secondKyc.id]);

      const overGrpc = await grpc.call<{ queues: { queue: string; waiting: number; oldestWaitSeconds: string }[] }>('ListQueues', {}, ops);
      expect(overGrpc.queues.find((queue) => queue.queue === 'account-en')).toMatchObject({ waiting: 3, oldestWaitSeconds: '150' });
    });

    it('is for staff and ops: customers get 403', async () => {
      expectProblem(await harness.request('GET', '/v1/routing/queues', { token: customer }), 403);
      expectProblem(await harness.request('GET', '/v1/routing/queues/account-en', { token: customer }), 403);
    });
  });

  describe('recategorization', () => {
    const apiQuestion = 'How do I create an API key with trading permission only and whitelist my server IP? Which endpoint do I call for my open orders?';
    const recategorize = (ticketId: string, body: unknown, token = agent, headers?: Record<string, string>) =>
      harness.request('POST', `/v1/routing/tickets/${ticketId}/recategorize`, { token, body, headers });

    it('over REST moves the ticket: TicketRecategorized then TicketQueued on routing-<id>, and the ticket shows it', async () => {
      const ticket = await openAndQueue(chat(apiQuestion, { language: 'en' }));
      expect(ticket).toMatchObject({ category: 'api_support', queue: 'api-en' });
      const reply = await recategorize(ticket.id, { category: 'trading_issue', reason: 'asks about open orders' });
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({ ticketId: ticket.id, queue: 'trading-en', category: 'trading_issue', priority: 'normal', confidence: 1, signals: [], assignee: null, status: 'waiting', transfers: 0 });
      const events = await routingEvents(ticket.id);
      expect(events.map((event) => event.type)).toEqual(['TicketClassified', 'TicketQueued', 'TicketRecategorized', 'TicketQueued']);
      expect(events[2].data).toMatchObject({ from: 'api_support', to: 'trading_issue', by: 'agent-routing', reason: 'asks about open orders' });
      expect(events[3].data).toMatchObject({ queue: 'trading-en' });
      await harness.runtime.projections.waitFor(events[3].globalPosition);
      expect((await harness.request('GET', `/v1/tickets/${ticket.id}`, { token: agent })).body).toMatchObject({ category: 'trading_issue', queue: 'trading-en' });
      expect((await harness.request('GET', `/v1/routing/tickets/${ticket.id}`, { token: agent })).body).toMatchObject({ category: 'trading_issue', queue: 'trading-en', confidence: 1 });

      // The same category again changes nothing.
      const before = await head();
      const again = await recategorize(ticket.id, { category: 'trading_issue' });
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ queue: 'trading-en', category: 'trading_issue' });
      expect(await head()).toBe(before);
    });

    it('to an emergency category moves it to the emergency lane', async () => {
      const ticket = await openAndQueue(chat(apiQuestion, { language: 'en' }));
      const reply = await recategorize(ticket.id, { category: 'security_incident' }, supervisor);
      expect(reply.body).toMatchObject({ queue: 'security-emergency', priority: 'emergency', category: 'security_incident' });
    });

    it('refuses an unknown category (400), a customer (403) and an unknown ticket (404), appending nothing', async () => {
      const ticket = await openAndQueue(chat(apiQuestion, { language: 'en' }));
      const before = await head();
      expectProblem(await recategorize(ticket.id, { category: 'refunds' }), 400, 'category');
      expectProblem(await recategorize(ticket.id, {}), 400, 'category');
      expectProblem(await recategorize(ticket.id, { category: 'trading_issue' }, customer), 403);
      expectProblem(await recategorize(crypto.randomUUID(), { category: 'trading_issue' }), 404);
      expectProblem(await recategorize(newId(), { category: 'trading_issue' }), 404);
      expect(await head()).toBe(before);
    });

    it('replays the first answer for the same Idempotency-Key, appending once', async () => {
      const ticket = await openAndQueue(chat(apiQuestion, { language: 'en' }));
      const headers = { 'idempotency-key': `recat-${ticket.id}` };
      const first = await recategorize(ticket.id, { category: 'general_inquiry' }, agent, headers);
      expect(first.body).toMatchObject({ queue: 'general-en' });
      // Routing's own stream: other contexts (SLA) react to the first answer in the background.
      const afterFirst = (await routingEvents(ticket.id)).length;
      const again = await recategorize(ticket.id, { category: 'general_inquiry' }, agent, headers);
      expect(again.status).toBe(200);
      expect(again.body).toEqual(first.body);
      expect(await routingEvents(ticket.id)).toHaveLength(afterFirst);
      expect((await routingEvents(ticket.id)).filter((event) => event.type === 'TicketRecategorized')).toHaveLength(1);
    });

    describe('over gRPC RecategorizeTicket', () => {
      it('moves the queue with the same events', async () => {
        const ticket = await openAndQueue(chat(apiQuestion, { language: 'en' }));
        const routed = await grpc.call('RecategorizeTicket', { ticketId: ticket.id, category: 'CATEGORY_WITHDRAWAL_ISSUE', reason: 'actually a stuck withdrawal' }, agent, `g-${ticket.id}`);
        expect(routed).toMatchObject({ ticketId: ticket.id, queue: 'security-emergency', category: 'CATEGORY_WITHDRAWAL_ISSUE', priority: 'PRIORITY_EMERGENCY', confidence: 1 });
        const events = await routingEvents(ticket.id);
        expect(events.slice(2).map((event) => [event.type, event.data])).toEqual([
          ['TicketRecategorized', expect.objectContaining({ from: 'api_support', to: 'withdrawal_issue', by: 'agent-routing' })],
          ['TicketQueued', expect.objectContaining({ queue: 'security-emergency' })],
        ]);
        const before = await head();
        expect(await grpc.call('RecategorizeTicket', { ticketId: ticket.id, category: 'CATEGORY_WITHDRAWAL_ISSUE' }, agent)).toMatchObject({ queue: 'security-emergency' });
        expect(await head()).toBe(before);
      });

      it('answers INVALID_ARGUMENT, PERMISSION_DENIED and NOT_FOUND, appending nothing', async () => {
        const ticket = await openAndQueue(chat(apiQuestion, { language: 'en' }));
        const before = await head();
        const invalid = await grpc.error('RecategorizeTicket', { ticketId: ticket.id, category: 'CATEGORY_UNSPECIFIED' }, agent);
        expect(invalid.code).toBe(status.INVALID_ARGUMENT);
        expect(invalid.details).toContain('category');
        expect((await grpc.error('RecategorizeTicket', { ticketId: ticket.id, category: 99 }, agent)).code).toBe(status.INVALID_ARGUMENT);
        expect((await grpc.error('RecategorizeTicket', { ticketId: ticket.id, category: 'CATEGORY_TRADING_ISSUE' }, customer)).code).toBe(status.PERMISSION_DENIED);
        expect((await grpc.error('RecategorizeTicket', { ticketId: newId(), category: 'CATEGORY_TRADING_ISSUE' }, agent)).code).toBe(status.NOT_FOUND);
        expect(await head()).toBe(before);
      });
    });
  });
});
