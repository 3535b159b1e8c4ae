import { TicketingHarness } from './test-support/ticketing.harness';

const chatTicket = { channel: 'chat', subject: 'Withdrawal stuck', body: 'My BTC withdrawal is pending for 3 hours', language: 'en', chat: { sessionId: 'chat-1' } };

type Ticket = { id: string; status: string; channel: string; language: string; queue: string | null; customerId: string; createdAt: string };
type Problem = { type: string; title: string; status: number; detail?: string };

describe('ticket slice: open, queue, read (e2e over HTTP)', () => {
  let harness: TicketingHarness;
  let customer: string;

  beforeAll(async () => {
    harness = await TicketingHarness.start();
    customer = await harness.token('customer', 'cust-1');
  });

  afterAll(() => harness.close());

  it('opens a ticket, routing classifies and queues it, and the read model shows category, priority and queue', async () => {
    const opened = await harness.request('POST', '/v1/tickets', { token: customer, body: { ...chatTicket, language: 'ru' } });
    expect(opened.status).toBe(201);
    const ticket = opened.body as Ticket;
    expect(ticket).toMatchObject({ status: 'open', channel: 'chat', language: 'ru', customerId: 'cust-1' });

    const queued = await harness.ticketQueued(ticket.id);
    expect(queued.data).toMatchObject({ ticketId: ticket.id, queue: 'security-emergency' });

    const read = await harness.request('GET', `/v1/tickets/${ticket.id}`, { token: customer });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: ticket.id, status: 'open', channel: 'chat', language: 'ru', customerId: 'cust-1', queue: 'security-emergency', category: 'withdrawal_issue', priority: 'emergency' });
  });

  it('carries the caller’s correlation id and actor into the events of both contexts', async () => {
    const opened = await harness.request('POST', '/v1/tickets', {
      token: customer,
      body: chatTicket,
      headers: { 'x-correlation-id': 'corr-e2e-1' },
    });
    expect(opened.headers.get('x-correlation-id')).toBe('corr-e2e-1');
    const { id } = opened.body as Ticket;
    const queued = await harness.ticketQueued(id);
    const [openedEvent] = await toArray(harness.runtime.eventStore.readStream(`ticket-${id}`));
    expect(openedEvent.metadata).toMatchObject({ ticketId: id, correlationId: 'corr-e2e-1', actor: { kind: 'customer', id: 'cust-1' } });
    expect(queued.metadata).toMatchObject({
      ticketId: id,
      correlationId: 'corr-e2e-1',
      causationId: openedEvent.id,
      actor: { kind: 'system', id: 'routing' },
    });
  });

  it('lets an agent open a ticket on a customer’s behalf, and requires the customer then', async () => {
    const agent = await harness.token('agent', 'agent-7');
    const missing = await harness.request('POST', '/v1/tickets', { token: agent, body: chatTicket });
    expect(missing.status).toBe(400);
    const opened = await harness.request('POST', '/v1/tickets', { token: agent, body: { ...chatTicket, customerId: 'cust-9' } });
    expect(opened.status).toBe(201);
    expect((opened.body as Ticket).customerId).toBe('cust-9');
  });

  it('shows a customer only their own tickets: someone else’s is 404 like a missing one', async () => {
    const opened = await harness.request('POST', '/v1/tickets', { token: customer, body: chatTicket });
    const { id } = opened.body as Ticket;
    await harness.ticketQueued(id);
    const other = await harness.token('customer', 'cust-2');
    const agent = await harness.token('agent', 'agent-1');

    const asOther = await harness.request('GET', `/v1/tickets/${id}`, { token: other });
    const missing = await harness.request('GET', '/v1/tickets/01937a43-0000-7000-8000-000000000000', { token: other });
    expect(asOther.status).toBe(404);
    expect(asOther.contentType).toContain('application/problem+json');
    expect(missing.status).toBe(404);
    expect((await harness.request('GET', `/v1/tickets/${id}`, { token: agent })).status).toBe(200);
  });

  it('reports readiness of the event store, the bus and the projections, and exposes metrics', async () => {
    const ready = await harness.request('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ok', info: { 'event-store': { status: 'up' }, bus: { status: 'up' }, projections: { status: 'up' } } });

    const { id } = (await harness.request('POST', '/v1/tickets', { token: customer, body: chatTicket })).body as Ticket;
    await harness.ticketQueued(id);
    const metrics = await harness.request('GET', '/metrics');
    expect(metrics.status).toBe(200);
    const text = String(metrics.body);
    expect(text).toMatch(/ticketing_events_appended_total\{category="ticket"\} [1-9]/);
    expect(text).toMatch(/ticketing_events_appended_total\{category="routing"\} [1-9]/);
    expect(text).toMatch(/ticketing_consumer_lag_events\{group="routing"\} 0/);
    expect(text).toMatch(/ticketing_dead_letters\{group="routing"\} 0/);
    expect(text).toMatch(/http_request_duration_seconds_count\{method="POST",route="\/v1\/tickets",status="201"\}/);
  });

  describe('bad input gets a 4xx problem and appends nothing', () => {
    const oversized = { ...chatTicket, body: 'x'.repeat(2 * 1024 * 1024) };
    const cases: Array<[string, () => Promise<{ token?: string; rawBody?: string; body?: unknown; headers?: Record<string, string> }>, number]> = [
      ['malformed JSON', async () => ({ token: customer, rawBody: '{"channel": "chat",' }), 400],
      ['an unknown field', async () => ({ token: customer, body: { ...chatTicket, priority: 'urgent' } }), 400],
      ['a missing field', async () => ({ token: customer, body: { channel: 'chat', body: 'b', language: 'en' } }), 400],
      ['a wrong type', async () => ({ token: customer, body: { ...chatTicket, subject: 42 } }), 400],
      ['an unknown channel', async () => ({ token: customer, body: { ...chatTicket, channel: 'fax' } }), 400],
      ['an unsupported language', async () => ({ token: customer, body: { ...chatTicket, language: 'xx' } }), 400],
      ['an empty subject', async () => ({ token: customer, body: { ...chatTicket, subject: '' } }), 400],
      ['an oversized body', async () => ({ token: customer, body: oversized }), 413],
      ['a non-JSON content type', async () => ({ token: customer, rawBody: 'hello', headers: { 'content-type': 'text/plain' } }), 415],
      ['no token', async () => ({ body: chatTicket }), 401],
      ['an invalid token', async () => ({ token: `${customer.slice(0, -4)}AAAA`, body: chatTicket }), 401],
      ['a role that may not open tickets (auditor)', async () => ({ token: await harness.token('auditor', 'aud-1'), body: chatTicket }), 403],
      ['a role that may not open tickets (ops)', async () => ({ token: await harness.token('ops', 'ops-1'), body: chatTicket }), 403],
      ['a customer opening for someone else', async () => ({ token: customer, body: { ...chatTicket, customerId: 'cust-2' } }), 403],
    ];

    it.each(cases)('%s', async (_name, makeRequest, status) => {
      const headBefore = await harness.runtime.eventStore.headPosition();
      const reply = await harness.request('POST', '/v1/tickets', await makeRequest());
      expect(reply.status).toBe(status);
      expect(reply.contentType).toContain('application/problem+json');
      expect(reply.body).toMatchObject({ status, type: expect.stringContaining('/problems/') } satisfies Partial<Record<keyof Problem, unknown>>);
      expect(await harness.runtime.eventStore.headPosition()).toBe(headBefore);
    });

    it('a malformed ticket id is a 400 problem', async () => {
      const reply = await harness.request('GET', '/v1/tickets/not-a-uuid', { token: customer });
      expect(reply.status).toBe(400);
      expect(reply.contentType).toContain('application/problem+json');
    });
  });
});

async function toArray<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}
