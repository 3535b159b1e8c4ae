import { credentials, loadPackageDefinition, Metadata, status, type Client, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoLoaderOptions, ROUTING_PROTO_FILE } from '@ticketing/contracts';
import type { RecordedEvent } from '@ticketing/event-store';
import { ManualClock, newId } from '@ticketing/kernel';
import { TicketingHarness, type HttpReply } from './test-support/ticketing.harness';

type Classified = { category: string; priority: string; confidence: number; language: string; modelVersion: string; lowConfidence: boolean };
type Routed = { ticketId: string; queue: string; category: string | null; priority: string | null; confidence: number | null; signals: string[] };
type Ticket = { id: string; status: string; language: string; queue: string | null; category: string | null; priority: string | null };
type QueueDepth = { queue: string; waiting: number; emergencies: number; oldestQueuedAt: string | null; oldestWaitSeconds: number | null };
type Problem = { status: number; errors?: { field: string }[] };

type Unary = (request: unknown, metadata: Metadata, callback: (error: ServiceError | null, response: unknown) => void) => unknown;

/** A real grpc-js client of ticketing.routing.v1.RoutingService, loaded from the same .proto as the server. */
class RoutingGrpcClient {
  private readonly client: Client & Record<string, Unary>;
  constructor(address: string) {
    const definition = loadPackageDefinition(loadSync(ROUTING_PROTO_FILE, protoLoaderOptions()));
    const Service = (definition.ticketing as never)['routing']['v1']['RoutingService'] as new (address: string, creds: unknown) => RoutingGrpcClient['client'];
    this.client = new Service(address, credentials.createInsecure());
  }
  call<T = Record<string, unknown>>(method: string, request: unknown, token?: string, idempotencyKey?: string): Promise<T> {
    const metadata = new Metadata();
    if (token) metadata.set('authorization', `Bearer ${token}`);
    if (idempotencyKey) metadata.set('idempotency-key', idempotencyKey);
    return new Promise((resolve, reject) => this.client[method].call(this.client, request, metadata, (error, response) => (error ? reject(error) : resolve(response as T))));
  }
  error(method: string, request: unknown, token?: string): Promise<ServiceError> {
    return this.call(method, request, token).then(
      (response) => {
        throw new Error(`${method} succeeded: ${JSON.stringify(response)}`);
      },
      (error: ServiceError) => error,
    );
  }
  close(): void {
    this.client.close();
  }
}

const expectProblem = (reply: HttpReply, statusCode: number, field?: string) => {
  expect(reply.status).toBe(statusCode);
  expect(reply.contentType).toContain('application/problem+json');
  if (field !== undefined) expect((reply.body as Problem).errors?.map((error) => error.field)).toContain(field);
};

describe('classification, category queues and recategorization over REST and gRPC (e2e)', () => {
  const clock = new ManualClock(new Date('2025-03-01T08:00:00.000Z'));
  let harness: TicketingHarness;
  let grpc: RoutingGrpcClient;
  let customer: string;
  let agent: string;
  let supervisor: string;
  let ops: string;

  beforeAll(async () => {
    harness = await TicketingHarness.start({ clock });
    grpc = new RoutingGrpcClient(harness.grpcAddress);
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
      ['en', 'Withdrawal stuck', 'I requested a withdrawal of 0.5 BTC six hours ago and it is still stuck on "processing". Why is my withdrawal not sent yet?', 'withdrawal_issue', 'emergency'],
      ['en', '', 'I got liquidated on my ETH long but the index price never reached my liquidation price! The mark price spiked on your exchange only. I want compensation for this unfair liquidation.', 'liquidation_dispute', 'high'],
      ['zh', '', '我三个小时前从钱包充值了500 USDT（TRC20），区块浏览器上显示已经确认了，但是我的账户余额还是没有到账，请帮忙查一下。', 'deposit_missing', 'high'],
      ['ja', '', '本人確認の書類を三日前に提出しましたが、まだ審査中のままです。KYCの審査にはどのくらい時間がかかりますか？', 'kyc_verification', 'normal'],
      ['ru', '', 'Мой API ключ возвращает ошибку -1022 "Signature for this request is not valid". Как правильно подписать запрос HMAC SHA256?', 'api_support', 'normal'],
    ])('in %s: %j %s → %s, priority %s; nothing appended', async (language, subject, body, category, priority) => {
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
});
