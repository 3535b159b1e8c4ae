import { once } from 'node:events';
import { status, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import { ManualClock } from '@ticketing/kernel';
import { StreamSlots } from '@ticketing/platform';
import type { RecordedEvent } from '@ticketing/event-store';
import { TicketGrpcClient } from './test-support/ticket-grpc.client';
import { TicketingHarness, type HttpReply } from './test-support/ticketing.harness';

const chat = { channel: 'chat', subject: 'Withdrawal pending', body: 'My USDT withdrawal is stuck', language: 'en', chat: { sessionId: 's-limits' } };
const grpcChat = { channel: 'CHANNEL_CHAT', subject: 'Withdrawal pending', body: 'Stuck', language: 'LANGUAGE_EN', chat: { sessionId: 's-limits' } };

/** An SSE response read as it arrives: the status, and the text so far. */
class SseStream {
  text = '';
  private waiters: (() => void)[] = [];

  private constructor(
    readonly reply: Response,
    private readonly abort: AbortController,
  ) {}

  static async open(baseUrl: string, query: string, token: string): Promise<SseStream> {
    const abort = new AbortController();
    const reply = await fetch(`${baseUrl}/v1/events/stream${query}`, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal });
    const stream = new SseStream(reply, abort);
    if (reply.status === 200) void stream.read(reply.body!);
    return stream;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of body) {
        this.text += decoder.decode(chunk, { stream: true });
        for (const waiter of this.waiters.splice(0)) waiter();
      }
    } catch {
      // closed by close()
    }
  }

  async until(contains: string): Promise<void> {
    while (!this.text.includes(contains)) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  close(): void {
    this.abort.abort();
  }
}

/** Waits for the server to notice a closed connection (socket I/O, no timer is waited for). */
async function eventually(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

const expectTooManyRequests = (reply: HttpReply) => {
  expect(reply.status).toBe(429);
  expect(reply.contentType).toContain('application/problem+json');
  expect(reply.body).toMatchObject({ status: 429, type: 'https://ticketing.dev/problems/too-many-requests' });
};

describe('rate limits (e2e over HTTP and gRPC)', () => {
  let harness: TicketingHarness;
  let grpc: TicketGrpcClient;

  beforeAll(async () => {
    harness = await TicketingHarness.start({
      env: {
        TICKETING_RATE_LIMIT_CUSTOMER_WRITES: '3/min',
        TICKETING_RATE_LIMIT_STAFF_WRITES: '100/min',
        TICKETING_RATE_LIMIT_READS: '4/min',
        TICKETING_RATE_LIMIT_STREAMS: '2/min',
        TICKETING_RATE_LIMIT_ANONYMOUS: '3/min',
      },
    });
    grpc = new TicketGrpcClient(harness.grpcAddress);
  });
  afterAll(async () => {
    grpc.close();
    await harness.close();
  });

  async function intakeEventsAfter(position: number): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    for await (const event of harness.runtime.eventStore.readAll({ fromPosition: position, filter: { streamPrefixes: ['ticket-'] } })) events.push(event);
    return events;
  }

  it('refuses the (N+1)th customer write in the window with a 429 problem, Retry-After and RateLimit fields, appending nothing; another customer is unaffected', async () => {
    const customer = await harness.token('customer', 'cust-writes');
    for (let n = 1; n <= 3; n++) {
      const reply = await harness.request('POST', '/v1/tickets', { token: customer, body: chat });
      expect(reply.status).toBe(201);
      expect(reply.headers.get('ratelimit-policy')).toBe('"customer-writes";q=3;w=60');
      expect(reply.headers.get('ratelimit')).toMatch(new RegExp(`^"customer-writes";r=${3 - n};t=([1-9]|[1-5]\\d|60)$`));
    }
    const head = await harness.runtime.eventStore.headPosition();
    const refused = await harness.request('POST', '/v1/tickets', { token: customer, body: chat });
    expectTooManyRequests(refused);
    expect(refused.body).toMatchObject({ budget: 'customer-writes', limit: 3, windowSeconds: 60 });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get('ratelimit')).toBe(`"customer-writes";r=0;t=${retryAfter}`);
    expect(await intakeEventsAfter(head)).toEqual([]);

    const other = await harness.token('customer', 'cust-writes-other');
    expect((await harness.request('POST', '/v1/tickets', { token: other, body: chat })).status).toBe(201);
  });

  it('counts reads on a budget of their own', async () => {
    const customer = await harness.token('customer', 'cust-reads');
    for (let n = 1; n <= 4; n++) {
      const reply = await harness.request('GET', '/v1/tickets', { token: customer });
      expect(reply.status).toBe(200);
      expect(reply.headers.get('ratelimit-policy')).toBe('"reads";q=4;w=60');
    }
    const refused = await harness.request('GET', '/v1/tickets', { token: customer });
    expectTooManyRequests(refused);
    expect(refused.body).toMatchObject({ budget: 'reads' });
    // Out of reads, the customer may still write.
    expect((await harness.request('POST', '/v1/tickets', { token: customer, body: chat })).status).toBe(201);
  });

  it('counts requests without a valid token per client IP, and leaves health and metrics alone', async () => {
    for (let n = 1; n <= 3; n++) {
      const reply = await harness.request('GET', '/v1/tickets', { token: 'not.a.token' });
      expect(reply.status).toBe(401);
      expect(reply.headers.get('ratelimit-policy')).toBe('"anonymous";q=3;w=60');
    }
    const flood = await harness.request('POST', '/v1/tickets', { body: chat });
    expectTooManyRequests(flood);
    expect(flood.body).toMatchObject({ budget: 'anonymous' });
    expect(Number(flood.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expectTooManyRequests(await harness.request('GET', '/v1/tickets', { token: 'forged' }));

    // A caller with a valid token from the same address draws on its own budget.
    const agent = await harness.token('agent', 'agent-anon');
    expect((await harness.request('GET', '/v1/tickets', { token: agent })).status).toBe(200);
    for (const path of ['/health/live', '/health/ready', '/metrics', '/docs-json']) {
      const reply = await harness.request('GET', path);
      expect([path, reply.status]).toEqual([path, 200]);
      expect(reply.headers.get('ratelimit')).toBeNull();
    }
  });

  it('applies the same budgets over gRPC: RESOURCE_EXHAUSTED with a retry-after trailer', async () => {
    const customer = await harness.token('customer', 'cust-grpc-writes');
    expect((await harness.request('POST', '/v1/tickets', { token: customer, body: chat })).status).toBe(201);
    await grpc.call('OpenTicket', grpcChat, { token: customer });
    await grpc.call('OpenTicket', grpcChat, { token: customer });
    const head = await harness.runtime.eventStore.headPosition();
    const refused = await grpc.callError('OpenTicket', grpcChat, { token: customer });
    expect(refused.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(refused.details).toMatch(/customer-writes/);
    expect(Number(refused.metadata.get('retry-after')[0])).toBeGreaterThanOrEqual(1);
    expect(await intakeEventsAfter(head)).toEqual([]);

    const reader = await harness.token('agent', 'agent-grpc-reads');
    for (let n = 1; n <= 4; n++) await grpc.call('ListTickets', {}, { token: reader });
    expect((await grpc.callError('ListTickets', {}, { token: reader })).code).toBe(status.RESOURCE_EXHAUSTED);
  });

  it('behind trusted proxies (TICKETING_TRUST_PROXY), counts each client address X-Forwarded-For names; otherwise the header changes nothing', async () => {
    const anonymous = (app: TicketingHarness, forwardedFor: string) => app.request('GET', '/v1/tickets', { token: 'not.a.token', headers: { 'x-forwarded-for': forwardedFor } });
    const behindProxy = await TicketingHarness.start({ env: { TICKETING_RATE_LIMIT_ANONYMOUS: '2/min', TICKETING_TRUST_PROXY: 'loopback' } });
    const direct = await TicketingHarness.start({ env: { TICKETING_RATE_LIMIT_ANONYMOUS: '2/min' } });
    try {
      for (let n = 1; n <= 2; n++) expect((await anonymous(behindProxy, '203.0.113.5')).status).toBe(401);
      expectTooManyRequests(await anonymous(behindProxy, '203.0.113.5'));
      // Another client behind the same proxy has a budget of its own; a spoofed earlier hop changes nothing.
      expect((await anonymous(behindProxy, '203.0.113.6')).status).toBe(401);
      expectTooManyRequests(await anonymous(behindProxy, '198.51.100.1, 203.0.113.5'));

      // Not trusting any proxy, the header cannot buy a caller new budgets.
      for (let n = 1; n <= 2; n++) expect((await anonymous(direct, `203.0.113.${n}`)).status).toBe(401);
      expectTooManyRequests(await anonymous(direct, '203.0.113.9'));
    } finally {
      await behindProxy.close();
      await direct.close();
    }
  });

  it('counts calls without a valid token per peer over gRPC before refusing them as UNAUTHENTICATED', async () => {
    const fresh = await TicketingHarness.start({ env: { TICKETING_RATE_LIMIT_ANONYMOUS: '2/min' } });
    const client = new TicketGrpcClient(fresh.grpcAddress);
    try {
      expect((await client.callError('ListTickets', {}, { token: 'forged' })).code).toBe(status.UNAUTHENTICATED);
      expect((await client.callError('ListTickets', {})).code).toBe(status.UNAUTHENTICATED);
      const flood = await client.callError('ListTickets', {}, { token: 'forged' });
      expect(flood.code).toBe(status.RESOURCE_EXHAUSTED);
      expect(flood.metadata.get('retry-after')).toHaveLength(1);
    } finally {
      client.close();
      await fresh.close();
    }
  });

  it('counts streams opened per actor', async () => {
    const ops = await harness.token('ops', 'ops-streams');
    for (let n = 1; n <= 2; n++) {
      const stream = await SseStream.open(harness.baseUrl, '', ops);
      expect(stream.reply.status).toBe(200);
      expect(stream.reply.headers.get('ratelimit-policy')).toBe('"streams";q=2;w=60');
      stream.close();
    }
    const refused = await SseStream.open(harness.baseUrl, '', ops);
    expect(refused.reply.status).toBe(429);
    expect(await refused.reply.json()).toMatchObject({ budget: 'streams' });
  });

  it('is off with TICKETING_RATE_LIMITS=off', async () => {
    const unlimited = await TicketingHarness.start({ env: { TICKETING_RATE_LIMITS: 'off', TICKETING_RATE_LIMIT_CUSTOMER_WRITES: '1/min' } });
    try {
      const customer = await unlimited.token('customer', 'cust-unlimited');
      for (let n = 0; n < 3; n++) {
        const reply = await unlimited.request('POST', '/v1/tickets', { token: customer, body: chat });
        expect(reply.status).toBe(201);
        expect(reply.headers.get('ratelimit')).toBeNull();
      }
    } finally {
      await unlimited.close();
    }
  });
});

describe('bounded streams: SSE and WatchTicket (e2e)', () => {
  const clock = new ManualClock(new Date());
  let harness: TicketingHarness;
  let grpc: TicketGrpcClient;
  let slots: StreamSlots;
  const opened: { close(): void }[] = [];

  beforeAll(async () => {
    harness = await TicketingHarness.start({
      clock,
      env: { TICKETING_RATE_LIMITS: 'off', TICKETING_STREAMS_PER_ACTOR: '2', TICKETING_STREAMS_TOTAL: '3', TICKETING_SSE_HEARTBEAT_SECONDS: '5' },
    });
    grpc = new TicketGrpcClient(harness.grpcAddress);
    slots = harness.booted.app.get(StreamSlots, { strict: false });
  });
  afterEach(async () => {
    for (const stream of opened.splice(0)) stream.close();
    await eventually(() => slots.openCount() === 0);
  });
  afterAll(async () => {
    grpc.close();
    await harness.close();
  });

  async function sse(query: string, token: string): Promise<SseStream> {
    const stream = await SseStream.open(harness.baseUrl, query, token);
    opened.push(stream);
    return stream;
  }

  /** A WatchTicket call once the server has accepted it (its response headers arrived). */
  async function watch(ticketId: string, token: string): Promise<ClientReadableStream<unknown>> {
    const call = grpc.stream('WatchTicket', { ticketId }, { token });
    call.on('error', () => undefined);
    opened.push({ close: () => call.cancel() });
    await once(call, 'metadata');
    return call;
  }

  async function watchError(ticketId: string, token: string): Promise<ServiceError> {
    const call = grpc.stream('WatchTicket', { ticketId }, { token });
    const [error] = (await once(call, 'error')) as [ServiceError];
    return error;
  }

  async function ticketOf(token: string): Promise<string> {
    const reply = await harness.request('POST', '/v1/tickets', { token, body: chat });
    expect(reply.status).toBe(201);
    return (reply.body as { id: string }).id;
  }

  it('caps SSE streams per actor and in total with a 429 problem, and frees a slot when the client disconnects', async () => {
    const customer = await harness.token('customer', 'cust-sse-cap');
    const ticketId = await ticketOf(customer);
    const first = await sse(`?ticketId=${ticketId}`, customer);
    expect((await sse(`?ticketId=${ticketId}`, customer)).reply.status).toBe(200);
    const third = await sse(`?ticketId=${ticketId}`, customer);
    expect(third.reply.status).toBe(429);
    expect(third.reply.headers.get('content-type')).toContain('application/problem+json');
    expect(await third.reply.json()).toMatchObject({ status: 429, scope: 'actor', limit: 2 });

    const ops = await harness.token('ops', 'ops-sse-cap');
    expect((await sse('', ops)).reply.status).toBe(200);
    const overTotal = await sse('', await harness.token('ops', 'ops-sse-cap-2'));
    expect(overTotal.reply.status).toBe(429);
    expect(await overTotal.reply.json()).toMatchObject({ scope: 'total', limit: 3 });

    first.close();
    await eventually(() => slots.openCount() === 2);
    expect((await sse(`?ticketId=${ticketId}`, customer)).reply.status).toBe(200);
  });

  it('caps WatchTicket the same way with RESOURCE_EXHAUSTED, sharing the total with SSE, and frees a slot on cancel', async () => {
    const agent = await harness.token('agent', 'agent-watch-cap');
    const ticketId = await ticketOf(await harness.token('customer', 'cust-watch-cap'));
    const first = await watch(ticketId, agent);
    await watch(ticketId, agent);
    const third = await watchError(ticketId, agent);
    expect(third.code).toBe(status.RESOURCE_EXHAUSTED);

    expect((await sse('', await harness.token('ops', 'ops-watch-cap'))).reply.status).toBe(200);
    expect((await watchError(ticketId, await harness.token('agent', 'agent-watch-cap-2'))).code).toBe(status.RESOURCE_EXHAUSTED);

    first.cancel();
    await eventually(() => slots.openCount() === 2);
    await watch(ticketId, agent);
  });

  it('frees the slot of a refused or failed stream', async () => {
    const agent = await harness.token('agent', 'agent-failing');
    // Not visible: the stream never starts.
    const missing = await watchError('00000000-0000-4000-8000-000000000000', agent);
    expect(missing.code).toBe(status.NOT_FOUND);
    expect(slots.openCount()).toBe(0);

    // The event store fails under both streams of this ticket once they run.
    const ticketId = await ticketOf(await harness.token('customer', 'cust-failing'));
    const eventStore = harness.runtime.eventStore;
    const subscribe = eventStore.subscribe.bind(eventStore);
    const spy = jest.spyOn(eventStore, 'subscribe').mockImplementation((options) => {
      const subscription = subscribe(options);
      if (!options?.filter?.streamPrefixes?.includes(`ticket-${ticketId}`)) return subscription;
      return {
        close: () => subscription.close(),
        [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error('event store gone')) }),
      } as typeof subscription;
    });
    try {
      const call = grpc.stream('WatchTicket', { ticketId }, { token: agent });
      const [error] = (await once(call, 'error')) as [ServiceError];
      expect(error.code).toBe(status.INTERNAL);
      const stream = await sse(`?ticketId=${ticketId}`, agent);
      expect(stream.reply.status).toBe(200);
      await eventually(() => slots.openCount() === 0);
    } finally {
      spy.mockRestore();
    }
  });

  it('sends an SSE heartbeat after the configured quiet time on the injected clock', async () => {
    const ops = await harness.token('ops', 'ops-heartbeat');
    const stream = await sse('', ops);
    await stream.until(': connected');
    clock.advance(5_000);
    await stream.until(': heartbeat');
  });

  it('ends open streams when the server shuts down, releasing their slots', async () => {
    const own = await TicketingHarness.start({ env: { TICKETING_RATE_LIMITS: 'off' } });
    const ownSlots = own.booted.app.get(StreamSlots, { strict: false });
    const stream = await SseStream.open(own.baseUrl, '', await own.token('ops', 'ops-shutdown'));
    await stream.until(': connected');
    expect(ownSlots.openCount()).toBe(1);
    await own.close();
    expect(ownSlots.openCount()).toBe(0);
  });
});
