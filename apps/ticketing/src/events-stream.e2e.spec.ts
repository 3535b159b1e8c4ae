import { TICKET_OPENED_SCHEMA_VERSION } from '@ticketing/contracts';
import { ManualClock, newId } from '@ticketing/kernel';
import type { StreamedEvent } from '@ticketing/ops-stream';
import { TicketingHarness } from './test-support/ticketing.harness';

/** One parsed SSE message (or, with `comment`, a comment line). */
type SseMessage = { id?: string; event?: string; data?: StreamedEvent; comment?: string };

/** A real HTTP client of the event stream: reads the response body and parses `id:`/`event:`/`data:` lines. */
class SseConnection {
  readonly messages: SseMessage[] = [];
  private buffer = '';
  private waiters: (() => void)[] = [];
  private ended = false;

  private constructor(
    readonly status: number,
    readonly contentType: string | null,
    private readonly abort: AbortController,
    readonly errorBody?: unknown,
  ) {}

  static async open(baseUrl: string, query: string, options: { token?: string; headers?: Record<string, string> } = {}): Promise<SseConnection> {
    const abort = new AbortController();
    const headers: Record<string, string> = { accept: 'text/event-stream', ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const response = await fetch(`${baseUrl}/v1/events/stream${query}`, { headers, signal: abort.signal });
    if (response.status !== 200) return new SseConnection(response.status, response.headers.get('content-type'), abort, await response.json());
    const connection = new SseConnection(response.status, response.headers.get('content-type'), abort);
    void connection.read(response.body!);
    return connection;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of body) {
        this.buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = this.buffer.indexOf('\n\n')) >= 0) {
          this.messages.push(parseMessage(this.buffer.slice(0, end)));
          this.buffer = this.buffer.slice(end + 2);
        }
        this.wake();
      }
    } catch {
      // aborted by close()
    } finally {
      this.ended = true;
      this.wake();
    }
  }

  private wake() {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** Events (not comments) received so far. */
  get events(): StreamedEvent[] {
    return this.messages.filter((message) => message.data !== undefined).map((message) => message.data!);
  }

  /** Waits until `done(messages)` holds (fails after the test's timeout). */
  async until(done: (messages: readonly SseMessage[]) => boolean): Promise<SseMessage[]> {
    while (!done(this.messages)) {
      if (this.ended) throw new Error(`stream ended; got ${JSON.stringify(this.messages)}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    return this.messages;
  }

  untilEvent(matches: (event: StreamedEvent) => boolean): Promise<SseMessage[]> {
    return this.until((messages) => messages.some((message) => message.data !== undefined && matches(message.data)));
  }

  close(): void {
    this.abort.abort();
  }
}

function parseMessage(block: string): SseMessage {
  const message: SseMessage = {};
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) message.comment = line.slice(1).trim();
    else if (line.startsWith('id: ')) message.id = line.slice(4);
    else if (line.startsWith('event: ')) message.event = line.slice(7);
    else if (line.startsWith('data: ')) message.data = JSON.parse(line.slice(6)) as StreamedEvent;
  }
  return message;
}

const chat = { channel: 'chat', subject: 'Withdrawal pending', body: 'My USDT withdrawal is stuck', language: 'en', chat: { sessionId: 's-sse' } };

describe('GET /v1/events/stream: Server-Sent Events of every context (e2e)', () => {
  const clock = new ManualClock(new Date());
  let harness: TicketingHarness;
  let ops: string;
  let agent: string;
  let auditor: string;
  let customer: string;
  const open: SseConnection[] = [];

  beforeAll(async () => {
    harness = await TicketingHarness.start({ clock });
    ops = await harness.token('ops', 'ops-1');
    agent = await harness.token('agent', 'agent-sse');
    auditor = await harness.token('auditor', 'aud-sse');
    customer = await harness.token('customer', 'cust-sse');
  });
  afterEach(() => {
    for (const connection of open.splice(0)) connection.close();
  });
  afterAll(() => harness.close());

  async function connect(query: string, token: string | undefined, headers?: Record<string, string>): Promise<SseConnection> {
    const connection = await SseConnection.open(harness.baseUrl, query, { token, headers });
    open.push(connection);
    return connection;
  }

  async function openTicket(token = customer, body: object = chat): Promise<string> {
    const reply = await harness.request('POST', '/v1/tickets', { token, body });
    expect(reply.status).toBe(201);
    return (reply.body as { id: string }).id;
  }

  async function eventsOfTicket(ticketId: string, after = 0): Promise<{ position: number; type: string }[]> {
    const events: { position: number; type: string }[] = [];
    const filter = { streamPrefixes: [`ticket-${ticketId}`, `routing-${ticketId}`] };
    for await (const event of harness.runtime.eventStore.readAll({ fromPosition: after, filter })) events.push({ position: event.globalPosition, type: event.type });
    return events;
  }

  it('streams every context’s events live with id = global position and event = type', async () => {
    const stream = await connect('', ops);
    expect(stream.contentType).toContain('text/event-stream');
    const ticketId = await openTicket();
    await stream.untilEvent((event) => event.type === 'TicketQueued' && event.ticketId === ticketId);

    const mine = stream.messages.filter((message) => message.data?.ticketId === ticketId);
    const opened = mine.find((message) => message.event === 'TicketOpened')!;
    expect(opened.id).toBe(String(opened.data!.globalPosition));
    expect(opened.data).toMatchObject({
      type: 'TicketOpened',
      streamName: `ticket-${ticketId}`,
      context: 'intake',
      ticketId,
      correlationId: expect.any(String),
      occurredAt: clock.now().toISOString(),
      data: { ticketId, customerId: 'cust-sse', subject: 'Withdrawal pending' },
    });
    expect(mine.find((message) => message.event === 'TicketQueued')!.data).toMatchObject({ context: 'routing', streamName: `routing-${ticketId}` });
    const ids = stream.events.map((event) => event.globalPosition);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });

  it('streams an event in its current shape, as consumers get it: a version 1 TicketOpened stored long ago is upcast', async () => {
    const ticketId = newId();
    const v1 = { ticketId, customerId: 'cust-old', channel: 'email', subject: '출금 지연', body: '출금 신청한 지 다섯 시간째 처리중이에요. 확인 부탁드립니다.', language: 'ko', openedAt: '2026-01-01T00:00:00.000Z' };
    const stream = await connect(`?ticketId=${ticketId}&lastEventId=0`, ops);
    await harness.runtime.eventStore.append(
      `ticket-${ticketId}`,
      [{ id: newId(), type: 'TicketOpened', schemaVersion: 1, data: v1, metadata: { ticketId, correlationId: 'c-old', causationId: 'c-old', actor: { kind: 'customer', id: 'cust-old' }, occurredAt: v1.openedAt } }],
      { expectedRevision: 'no_stream' },
    );
    await stream.untilEvent((event) => event.type === 'TicketQueued');
    expect(stream.events.find((event) => event.type === 'TicketOpened')).toMatchObject({
      schemaVersion: TICKET_OPENED_SCHEMA_VERSION,
      data: { ...v1, languageGiven: 'ko', channelDetails: null, subjectDerived: false, detectedLanguage: null },
    });
    // Routing's consumer and intake's read model took the stored version 1 too.
    await harness.ticketQueued(ticketId);
    expect((await harness.request('GET', `/v1/tickets/${ticketId}`, { token: ops })).body).toMatchObject({ id: ticketId, category: 'withdrawal_issue', queue: 'security-emergency' });
  });

  it('is documented as text/event-stream, its 200 response included', async () => {
    const doc = (await harness.request('GET', '/docs-json')).body as { paths: Record<string, { get: { responses: Record<string, { content?: object }> } }> };
    expect(Object.keys(doc.paths['/v1/events/stream'].get.responses['200'].content ?? {})).toEqual(['text/event-stream']);
  });

  it('filters by event type, by context and by ticket', async () => {
    const byType = await connect('?type=TicketQueued,AgentReplied', ops);
    const byContext = await connect('?context=routing', auditor);
    const other = await openTicket();
    const watched = await openTicket();
    const byTicket = await connect(`?ticketId=${watched}`, agent);
    await harness.ticketQueued(other);
    await harness.request('POST', `/v1/tickets/${other}/messages`, { token: agent, body: { body: 'Reply on the other ticket' } });
    await harness.request('POST', `/v1/tickets/${watched}/messages`, { token: agent, body: { body: 'Reply on the watched ticket' } });

    await byType.untilEvent((event) => event.type === 'AgentReplied' && event.ticketId === watched);
    expect(new Set(byType.events.map((event) => event.type))).toEqual(new Set(['TicketQueued', 'AgentReplied']));

    await byContext.untilEvent((event) => event.ticketId === watched);
    expect(byContext.events.length).toBeGreaterThanOrEqual(2);
    expect(byContext.events.every((event) => event.context === 'routing' && event.streamName.startsWith('routing-'))).toBe(true);

    await byTicket.untilEvent((event) => event.type === 'AgentReplied');
    expect(byTicket.events.length).toBeGreaterThan(0);
    expect(byTicket.events.every((event) => event.ticketId === watched)).toBe(true);
  });

  it("with a ticket, streams that ticket's streams only, not another entity's stream of the same id", async () => {
    const watched = await openTicket();
    const byTicket = await connect(`?ticketId=${watched}`, ops);
    // An agent whose id happens to be the ticket's: its stream is the agent's, not the ticket's.
    const metadata = { correlationId: 'c-agent', causationId: 'c-agent', actor: { kind: 'system', id: 'test' }, occurredAt: clock.now().toISOString() } as const;
    await harness.runtime.eventStore.append(`agent-${watched}`, [{ id: newId(), type: 'AgentJoined', schemaVersion: 1, data: {}, metadata }], { expectedRevision: 'any' });
    await harness.request('POST', `/v1/tickets/${watched}/messages`, { token: agent, body: { body: 'Reply after the agent joined' } });
    await byTicket.untilEvent((event) => event.type === 'AgentReplied');
    expect(byTicket.events.map((event) => event.streamName)).toContain(`ticket-${watched}`);
    expect(byTicket.events.filter((event) => !event.streamName.endsWith(`-${watched}`) || event.streamName.startsWith('agent-'))).toEqual([]);
  });

  it('resumes with Last-Event-ID strictly after it: the rest of the history, then live, no gap and no duplicate', async () => {
    const ticketId = await openTicket();
    await harness.ticketQueued(ticketId);
    await harness.request('POST', `/v1/tickets/${ticketId}/in-progress`, { token: agent });
    await harness.request('POST', `/v1/tickets/${ticketId}/messages`, { token: agent, body: { body: 'Looking into it' } });
    const history = await eventsOfTicket(ticketId);
    expect(history.length).toBeGreaterThanOrEqual(4);
    const lastSeen = history[1].position;

    // Intake's and routing's streams only: SLA reacts in the background and would add events while the history is compared.
    const resumed = await connect(`?ticketId=${ticketId}&context=intake,routing`, ops, { 'last-event-id': String(lastSeen) });
    await resumed.until((messages) => messages.filter((message) => message.data).length === history.length - 2);
    await harness.request('POST', `/v1/tickets/${ticketId}/waiting-on-customer`, { token: agent });
    await resumed.untilEvent((event) => event.type === 'TicketWaitingOnCustomer');

    const expected = await eventsOfTicket(ticketId, lastSeen);
    expect(resumed.events.map((event) => ({ position: event.globalPosition, type: event.type }))).toEqual(expected);
    expect(resumed.messages.filter((message) => message.id !== undefined).map((message) => Number(message.id))).toEqual(expected.map((event) => event.position));

    // The query parameter does the same for clients that cannot set headers; the header, being newer, wins.
    const byQuery = await connect(`?ticketId=${ticketId}&context=intake,routing&lastEventId=${expected[expected.length - 2].position}`, ops);
    await byQuery.untilEvent((event) => event.type === 'TicketWaitingOnCustomer');
    expect(byQuery.events.map((event) => event.type)).toEqual(['TicketWaitingOnCustomer']);
    const both = await connect(`?ticketId=${ticketId}&context=intake,routing&lastEventId=0`, ops, { 'last-event-id': String(expected[expected.length - 2].position) });
    await both.untilEvent((event) => event.type === 'TicketWaitingOnCustomer');
    expect(both.events).toHaveLength(1);
  });

  describe('who may stream what', () => {
    it('needs a token (401 problem+json)', async () => {
      const stream = await connect('', undefined);
      expect(stream.status).toBe(401);
      expect(stream.contentType).toContain('application/problem+json');
    });

    it('refuses a customer without a ticketId (403) and on another’s ticket or a missing one (404)', async () => {
      expect((await connect('', customer)).status).toBe(403);
      const someoneElses = await openTicket(await harness.token('customer', 'cust-sse-other'));
      const notTheirs = await connect(`?ticketId=${someoneElses}`, customer);
      const missing = await connect(`?ticketId=${newId()}`, customer);
      expect([notTheirs.status, missing.status]).toEqual([404, 404]);
      expect((notTheirs.errorBody as { detail: string }).detail.replace(someoneElses, 'ID')).toBe(
        (missing.errorBody as { detail: string }).detail.replace(/[0-9a-f-]{36}/, 'ID'),
      );
    });

    it('lets a customer stream their own ticket, never with internal notes', async () => {
      const ticketId = await openTicket();
      const asCustomer = await connect(`?ticketId=${ticketId}&lastEventId=0`, customer);
      const asOps = await connect(`?ticketId=${ticketId}&lastEventId=0`, ops);
      await harness.request('POST', `/v1/tickets/${ticketId}/notes`, { token: agent, body: { body: 'Internal: KYC mismatch' } });
      await harness.request('POST', `/v1/tickets/${ticketId}/messages`, { token: agent, body: { body: 'We are on it' } });

      await asOps.untilEvent((event) => event.type === 'AgentReplied');
      expect(asOps.events.map((event) => event.type)).toContain('InternalNoteAdded');
      await asCustomer.untilEvent((event) => event.type === 'AgentReplied');
      expect(asCustomer.events.map((event) => event.type)).not.toContain('InternalNoteAdded');
      expect(JSON.stringify(asCustomer.messages)).not.toContain('KYC mismatch');
    });

    it('refuses roles without read access to the log, and bad parameters', async () => {
      expect((await connect('', await harness.token('service', 'mail-gateway'))).status).toBe(403);
      expect((await connect('?context=billing', ops)).status).toBe(400);
      expect((await connect('?ticketId=not-a-uuid', ops)).status).toBe(400);
      expect((await connect('', ops, { 'last-event-id': 'yesterday' })).status).toBe(400);
    });
  });

  it('sends a heartbeat comment after 15 s of silence on the injected clock, without moving Last-Event-ID', async () => {
    const stream = await connect(`?ticketId=${newId()}`, ops);
    await stream.until((messages) => messages.some((message) => message.comment === 'connected'));
    clock.advance(15_000);
    await stream.until((messages) => messages.some((message) => message.comment === 'heartbeat'));
    expect(stream.messages.every((message) => message.id === undefined)).toBe(true);
  });

  it('closes the event-store subscription when the client disconnects', async () => {
    const ticketId = newId();
    const eventStore = harness.runtime.eventStore;
    const subscribe = eventStore.subscribe.bind(eventStore);
    let closed!: () => void;
    const subscriptionClosed = new Promise<void>((resolve) => (closed = resolve));
    const spy = jest.spyOn(eventStore, 'subscribe').mockImplementation((options) => {
      const subscription = subscribe(options);
      if (options?.filter?.streamPrefixes?.includes(`ticket-${ticketId}`)) {
        const close = subscription.close.bind(subscription);
        subscription.close = () => {
          closed();
          return close();
        };
      }
      return subscription;
    });
    try {
      const stream = await connect(`?ticketId=${ticketId}`, ops);
      await stream.until((messages) => messages.length > 0);
      stream.close();
      await subscriptionClosed;
    } finally {
      spy.mockRestore();
    }
  });
});
