import { once } from 'node:events';
import { status, type ServiceError } from '@grpc/grpc-js';
import { newId } from '@ticketing/kernel';
import { buildCompiledCli, killCliServers, runCli, startCliServer } from './test-support/compiled-cli';
import { collectUntil, TicketGrpcClient } from './test-support/ticket-grpc.client';
import { newDataDir, TicketingHarness } from './test-support/ticketing.harness';

type Timestamp = { seconds: string; nanos: number };
type Ticket = {
  id: string;
  status: string;
  channel: string;
  language: string;
  customerId: string;
  subject: string;
  channelDetails?: string;
  chat?: { sessionId: string };
  email?: { fromAddress: string; messageId: string };
  queue?: string;
  mergedInto?: string;
  resolutionCode?: string;
  createdAt: Timestamp;
  autoCloseAt: Timestamp | null;
  closedAt: Timestamp | null;
  firstResponseAt: Timestamp | null;
  assetContext: { asset?: string; amount?: string } | null;
  messageCounts: { customer: number; agent: number; notes?: number };
};
type Change = { eventType: string; globalPosition: string; occurredAt: Timestamp; ticket: Ticket };
type Message = { id: string; kind: string; authorId: string; body: string };

const chat = (body: string, extra: Record<string, unknown> = {}) => ({
  channel: 'CHANNEL_CHAT',
  subject: 'Withdrawal pending',
  body,
  language: 'LANGUAGE_EN',
  chat: { sessionId: 'session-g' },
  ...extra,
});

const isoOf = (timestamp: Timestamp) => new Date(Number(timestamp.seconds) * 1000 + timestamp.nanos / 1e6).toISOString();

describe('intake over gRPC: TicketService with a real grpc-js client (e2e)', () => {
  let harness: TicketingHarness;
  let grpc: TicketGrpcClient;
  let customer: string;
  let otherCustomer: string;
  let agent: string;
  let auditor: string;

  beforeAll(async () => {
    harness = await TicketingHarness.start();
    grpc = new TicketGrpcClient(harness.grpcAddress);
    customer = await harness.token('customer', 'cust-grpc');
    otherCustomer = await harness.token('customer', 'cust-grpc-other');
    agent = await harness.token('agent', 'agent-grpc');
    auditor = await harness.token('auditor', 'aud-grpc');
  });
  afterAll(async () => {
    grpc.close();
    await harness.close();
  });

  async function open(body = chat('My BTC withdrawal is pending'), token = customer): Promise<Ticket> {
    const response = await grpc.call<{ ticket: Ticket; threaded: boolean }>('OpenTicket', body, { token });
    expect(response.threaded).toBe(false);
    return response.ticket;
  }

  const expectStatus = (error: ServiceError, code: status, details?: RegExp) => {
    expect({ code: error.code, details: error.details }).toEqual({ code, details: details ? expect.stringMatching(details) : expect.any(String) });
  };

  describe('the same operations as REST', () => {
    it('opens a ticket, and GetTicket, ListTickets and REST all show the same resource', async () => {
      const opened = await open(chat('Deposit of 250 USDT missing', { assetContext: { asset: 'USDT', network: 'TRC20', amount: '250.00' } }));
      expect(opened).toMatchObject({
        status: 'TICKET_STATUS_OPEN',
        channel: 'CHANNEL_CHAT',
        language: 'LANGUAGE_EN',
        customerId: 'cust-grpc',
        channelDetails: 'chat',
        chat: { sessionId: 'session-g' },
        assetContext: { asset: 'USDT', network: 'TRC20', amount: '250.00' },
        messageCounts: { customer: 1, agent: 0 },
        firstResponseAt: null,
      });
      expect(opened.messageCounts.notes).toBeUndefined();

      expect(await grpc.call<Ticket>('GetTicket', { ticketId: opened.id }, { token: customer })).toMatchObject({ id: opened.id, subject: 'Withdrawal pending' });
      const page = await grpc.call<{ items: Ticket[] }>('ListTickets', { limit: 100 }, { token: customer });
      expect(page.items.map((ticket) => ticket.id)).toContain(opened.id);
      expect(page.items.every((ticket) => ticket.customerId === 'cust-grpc')).toBe(true);

      const rest = await harness.request('GET', `/v1/tickets/${opened.id}`, { token: customer });
      expect(rest.body).toMatchObject({ id: opened.id, status: 'open', createdAt: isoOf(opened.createdAt), assetContext: { amount: '250.00' } });
    });

    it('walks the lifecycle: work, wait, customer reply, resolve, reopen, resolve, close; and merges a duplicate', async () => {
      const ticket = await open();
      const act = (method: string, request: Record<string, unknown> = {}) => grpc.call<Ticket>(method, { ticketId: ticket.id, ...request }, { token: agent });

      expect((await act('StartProgress')).status).toBe('TICKET_STATUS_IN_PROGRESS');
      expect((await act('WaitOnCustomer')).status).toBe('TICKET_STATUS_WAITING_ON_CUSTOMER');
      const reply = await grpc.call<{ ticket: Ticket; messageId?: string; linkedTicketCreated: boolean }>(
        'PostMessage',
        { ticketId: ticket.id, body: 'Here is the tx hash' },
        { token: customer },
      );
      expect(reply).toMatchObject({ linkedTicketCreated: false, messageId: expect.any(String), ticket: { status: 'TICKET_STATUS_IN_PROGRESS' } });
      const resolved = await act('ResolveTicket', { resolutionCode: 'withdrawal_released' });
      expect(resolved).toMatchObject({ status: 'TICKET_STATUS_RESOLVED', resolutionCode: 'withdrawal_released', autoCloseAt: expect.any(Object) });
      expect((await act('ReopenTicket')).status).not.toBe('TICKET_STATUS_RESOLVED');
      await act('ResolveTicket', { resolutionCode: 'withdrawal_released' });
      const closed = await act('CloseTicket');
      expect(closed).toMatchObject({ status: 'TICKET_STATUS_CLOSED', closedAt: expect.any(Object) });

      // An illegal transition is FAILED_PRECONDITION, as REST's 409 illegal-state.
      expectStatus(await grpc.callError('StartProgress', { ticketId: ticket.id }, { token: agent }), status.FAILED_PRECONDITION);

      const survivor = await open();
      const duplicate = await open();
      const merged = await grpc.call<Ticket>('MergeTicket', { ticketId: duplicate.id, intoTicketId: survivor.id }, { token: agent });
      expect(merged).toMatchObject({ id: duplicate.id, status: 'TICKET_STATUS_MERGED', mergedInto: survivor.id });
    });

    it("refuses to merge one customer's ticket into another customer's with FAILED_PRECONDITION, appending nothing", async () => {
      const theirs = await open(chat('My deposit is missing'), otherCustomer);
      const mine = await open();
      const refusal = await grpc.callError('MergeTicket', { ticketId: mine.id, intoTicketId: theirs.id }, { token: agent });
      expectStatus(refusal, status.FAILED_PRECONDITION, /different customers/);
      expect(refusal.details).not.toContain('cust-grpc-other');
      const events = [];
      for await (const event of harness.runtime.eventStore.readStream(`ticket-${mine.id}`)) events.push(event.type);
      expect(events).toEqual(['TicketOpened']);
      expect(await grpc.call<Ticket>('GetTicket', { ticketId: mine.id }, { token: customer })).toMatchObject({ status: 'TICKET_STATUS_OPEN' });
    });

    it('keeps internal notes from customers: ListMessages and message counts', async () => {
      const ticket = await open();
      await grpc.call('PostMessage', { ticketId: ticket.id, body: 'We are checking your withdrawal' }, { token: agent });
      const withNote = await grpc.call<Ticket>('AddNote', { ticketId: ticket.id, body: 'Chain analysis flagged the address' }, { token: agent });
      expect(withNote.messageCounts).toMatchObject({ customer: 1, agent: 1, notes: 1 });

      const staffView = await grpc.call<{ messages: Message[] }>('ListMessages', { ticketId: ticket.id }, { token: agent });
      expect(staffView.messages.map((message) => message.kind)).toEqual(['MESSAGE_KIND_CUSTOMER', 'MESSAGE_KIND_AGENT', 'MESSAGE_KIND_NOTE']);
      const customerView = await grpc.call<{ messages: Message[] }>('ListMessages', { ticketId: ticket.id }, { token: customer });
      expect(customerView.messages.map((message) => message.body)).toEqual(['My BTC withdrawal is pending', 'We are checking your withdrawal']);
      const asCustomer = await grpc.call<Ticket>('GetTicket', { ticketId: ticket.id }, { token: customer });
      expect(asCustomer.messageCounts).toEqual({ customer: 1, agent: 1 });
    });

    it('stamps the events a write appends with the caller’s x-correlation-id', async () => {
      const { ticket } = await grpc.call<{ ticket: Ticket }>('OpenTicket', chat('correlated'), { token: customer, correlationId: 'grpc-corr-42' });
      for await (const event of harness.runtime.eventStore.readStream(`ticket-${ticket.id}`)) {
        expect(event.metadata).toMatchObject({ correlationId: 'grpc-corr-42', actor: { kind: 'customer', id: 'cust-grpc' } });
      }
    });
  });

  describe('who may do what (the app’s guards and filter, inherited by the gRPC transport)', () => {
    let ticket: Ticket;
    beforeAll(async () => {
      ticket = await open();
    });

    it('rejects a call without a token, or with a bad one, as UNAUTHENTICATED', async () => {
      expectStatus(await grpc.callError('GetTicket', { ticketId: ticket.id }), status.UNAUTHENTICATED, /bearer token is required/i);
      expectStatus(await grpc.callError('GetTicket', { ticketId: ticket.id }, { token: 'not.a.jwt' }), status.UNAUTHENTICATED);
    });

    it('answers another customer’s ticket as NOT_FOUND, exactly like a missing one', async () => {
      const missing = await grpc.callError('GetTicket', { ticketId: newId() }, { token: otherCustomer });
      for (const [method, request] of [
        ['GetTicket', { ticketId: ticket.id }],
        ['ListMessages', { ticketId: ticket.id }],
        ['PostMessage', { ticketId: ticket.id, body: 'let me in' }],
      ] as const) {
        const error = await grpc.callError(method, request, { token: otherCustomer });
        expect(error.code).toBe(status.NOT_FOUND);
        expect(error.details.replace(ticket.id, 'ID')).toBe(missing.details.replace(/[0-9a-f-]{36}/, 'ID'));
      }
      const theirs = await grpc.call<{ items: Ticket[] }>('ListTickets', {}, { token: otherCustomer });
      expect(theirs.items.map((item) => item.id)).not.toContain(ticket.id);
    });

    it('lets auditors read but not write, and customers not add notes: PERMISSION_DENIED', async () => {
      expect(await grpc.call<Ticket>('GetTicket', { ticketId: ticket.id }, { token: auditor })).toMatchObject({ id: ticket.id });
      expectStatus(await grpc.callError('ResolveTicket', { ticketId: ticket.id, resolutionCode: 'done_here' }, { token: auditor }), status.PERMISSION_DENIED, /roles/);
      expectStatus(await grpc.callError('OpenTicket', chat('audit'), { token: auditor }), status.PERMISSION_DENIED);
      expectStatus(await grpc.callError('AddNote', { ticketId: ticket.id, body: 'psst' }, { token: customer }), status.PERMISSION_DENIED);
      const messages = await grpc.call<{ messages: Message[] }>('ListMessages', { ticketId: ticket.id }, { token: agent });
      expect(messages.messages.map((message) => message.kind)).toEqual(['MESSAGE_KIND_CUSTOMER']);
    });
  });

  describe('bad input is INVALID_ARGUMENT and appends nothing', () => {
    it.each([
      ['an empty subject', 'OpenTicket', chat('body', { subject: '' }), /subject/],
      ['no channel', 'OpenTicket', chat('body', { channel: 'CHANNEL_UNSPECIFIED' }), /channel/],
      ['details of another channel', 'OpenTicket', { ...chat('body'), chat: undefined, email: { fromAddress: 'a@example.com', messageId: '<m@x>' } }, /chat/],
      ['an asset ticker in lower case', 'OpenTicket', chat('body', { assetContext: { asset: 'usdt' } }), /asset/],
      ['a ticket id that is no UUID', 'PostMessage', { ticketId: 'ticket-1', body: 'hi' }, /ticketId/],
      ['an empty message', 'PostMessage', { ticketId: newId(), body: '' }, /body/],
      ['a resolution code with spaces', 'ResolveTicket', { ticketId: newId(), resolutionCode: 'Fixed it' }, /resolutionCode/],
      ['a merge target that is no UUID', 'MergeTicket', { ticketId: newId(), intoTicketId: 'x' }, /intoTicketId/],
      ['a list limit above 100', 'ListTickets', { limit: 101 }, /limit/],
    ])('%s', async (_case, method, request, field) => {
      const head = await harness.runtime.eventStore.headPosition();
      expectStatus(await grpc.callError(method, request, { token: agent }), status.INVALID_ARGUMENT, field);
      expect(await harness.runtime.eventStore.headPosition()).toBe(head);
    });
  });

  describe('idempotency-key metadata', () => {
    it('answers a retry with the first response and opens one ticket; another request with the key is FAILED_PRECONDITION', async () => {
      const idempotent = await harness.token('customer', `cust-idem-${newId()}`);
      const key = `open-${newId()}`;
      const first = await grpc.call<{ ticket: Ticket }>('OpenTicket', chat('only once'), { token: idempotent, idempotencyKey: key });
      const again = await grpc.call<{ ticket: Ticket }>('OpenTicket', chat('only once'), { token: idempotent, idempotencyKey: key });
      expect(again).toEqual(first);
      expect((await grpc.call<{ items: Ticket[] }>('ListTickets', {}, { token: idempotent })).items).toHaveLength(1);

      const head = await harness.runtime.eventStore.headPosition();
      expectStatus(await grpc.callError('OpenTicket', chat('something else'), { token: idempotent, idempotencyKey: key }), status.FAILED_PRECONDITION, /different request/);
      expect(await harness.runtime.eventStore.headPosition()).toBe(head);

      // Keys are per caller: another customer's same key is a new request.
      const someoneElse = await grpc.call<{ ticket: Ticket }>('OpenTicket', chat('only once'), { token: otherCustomer, idempotencyKey: key });
      expect(someoneElse.ticket.id).not.toBe(first.ticket.id);
    });

    it('replays a lifecycle write instead of failing it as an illegal second transition', async () => {
      const ticket = await open();
      const key = `progress-${newId()}`;
      const first = await grpc.call<Ticket>('StartProgress', { ticketId: ticket.id }, { token: agent, idempotencyKey: key });
      expect(await grpc.call<Ticket>('StartProgress', { ticketId: ticket.id }, { token: agent, idempotencyKey: key })).toEqual(first);
      expectStatus(await grpc.callError('StartProgress', { ticketId: ticket.id }, { token: agent }), status.FAILED_PRECONDITION);
    });

    it('refuses a malformed key as INVALID_ARGUMENT', async () => {
      expectStatus(await grpc.callError('OpenTicket', chat('bad key'), { token: customer, idempotencyKey: 'spaces are not allowed' }), status.INVALID_ARGUMENT, /idempotency-key/);
    });
  });

  describe('WatchTicket', () => {
    it('streams the ticket’s changes, routing’s TicketQueued included, each with the ticket after it', async () => {
      const ticket = await open();
      const changes = collectUntil<Change>(grpc.stream('WatchTicket', { ticketId: ticket.id, fromPosition: '0' }, { token: agent }), (change) => change.eventType === 'AgentReplied');
      await grpc.call('PostMessage', { ticketId: ticket.id, body: 'On it' }, { token: agent });
      const received = await changes;
      expect(received.map((change) => change.eventType)).toEqual(expect.arrayContaining(['TicketOpened', 'TicketQueued', 'AgentReplied']));
      const positions = received.map((change) => Number(change.globalPosition));
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
      const queued = received.find((change) => change.eventType === 'TicketQueued')!;
      expect(queued.ticket.queue).toEqual(expect.any(String));
      const replied = received[received.length - 1];
      expect(replied.ticket).toMatchObject({ id: ticket.id, messageCounts: { agent: 1 }, firstResponseAt: expect.any(Object) });
    });

    it('starts at the present by default, and resumes strictly after from_position: no gap, no duplicate', async () => {
      const ticket = await open();
      await harness.ticketQueued(ticket.id);
      const liveStream = grpc.stream('WatchTicket', { ticketId: ticket.id }, { token: agent });
      await once(liveStream, 'metadata');
      const live = collectUntil<Change>(liveStream, () => true);
      await grpc.call('StartProgress', { ticketId: ticket.id }, { token: agent });
      const [progress] = await live;
      expect(progress.eventType).toBe('TicketProgressStarted');

      await grpc.call('WaitOnCustomer', { ticketId: ticket.id }, { token: agent });
      await grpc.call('PostMessage', { ticketId: ticket.id, body: 'Please send the tx hash' }, { token: agent });
      const expected: string[] = [];
      const filter = { streamPrefixes: [`ticket-${ticket.id}`, `routing-${ticket.id}`] };
      for await (const event of harness.runtime.eventStore.readAll({ fromPosition: Number(progress.globalPosition), filter })) {
        expected.push(`${event.globalPosition}:${event.type}`);
      }
      expect(expected[0]).toMatch(/:TicketWaitingOnCustomer$/);

      const resumed = await collectUntil<Change>(
        grpc.stream('WatchTicket', { ticketId: ticket.id, fromPosition: progress.globalPosition }, { token: agent }),
        (_change, all) => all.length === expected.length,
      );
      expect(resumed.map((change) => `${change.globalPosition}:${change.eventType}`)).toEqual(expected);
    });

    it('skips internal notes for a customer, who still sees the public reply after them', async () => {
      const ticket = await open();
      const customerWatch = collectUntil<Change>(
        grpc.stream('WatchTicket', { ticketId: ticket.id, fromPosition: '0' }, { token: customer }),
        (change) => change.eventType === 'AgentReplied',
      );
      const agentWatch = collectUntil<Change>(
        grpc.stream('WatchTicket', { ticketId: ticket.id, fromPosition: '0' }, { token: agent }),
        (change) => change.eventType === 'AgentReplied',
      );
      await grpc.call('AddNote', { ticketId: ticket.id, body: 'Internal: suspicious' }, { token: agent });
      await grpc.call('PostMessage', { ticketId: ticket.id, body: 'We are on it' }, { token: agent });

      const seenByCustomer = await customerWatch;
      expect(seenByCustomer.map((change) => change.eventType)).not.toContain('InternalNoteAdded');
      expect(seenByCustomer.every((change) => change.ticket.messageCounts.notes === undefined)).toBe(true);
      expect((await agentWatch).map((change) => change.eventType)).toContain('InternalNoteAdded');
    });

    it('closes its event-store subscription when the client cancels', async () => {
      const ticket = await open();
      const eventStore = harness.runtime.eventStore;
      const subscribe = eventStore.subscribe.bind(eventStore);
      let closed!: () => void;
      const subscriptionClosed = new Promise<void>((resolve) => (closed = resolve));
      const spy = jest.spyOn(eventStore, 'subscribe').mockImplementation((options) => {
        const subscription = subscribe(options);
        if (options?.filter?.streamPrefixes?.includes(`ticket-${ticket.id}`)) {
          const close = subscription.close.bind(subscription);
          subscription.close = () => {
            closed();
            return close();
          };
        }
        return subscription;
      });
      try {
        const watch = grpc.stream('WatchTicket', { ticketId: ticket.id }, { token: agent });
        watch.on('error', () => undefined);
        await once(watch, 'metadata');
        watch.cancel();
        await subscriptionClosed;
      } finally {
        spy.mockRestore();
      }
    });

    it('refuses another customer’s ticket as NOT_FOUND and a missing token as UNAUTHENTICATED', async () => {
      const ticket = await open();
      const notFound = await collectUntil(grpc.stream('WatchTicket', { ticketId: ticket.id }, { token: otherCustomer }), () => true).catch((error: ServiceError) => error);
      expect((notFound as ServiceError).code).toBe(status.NOT_FOUND);
      const anonymous = await collectUntil(grpc.stream('WatchTicket', { ticketId: ticket.id }), () => true).catch((error: ServiceError) => error);
      expect((anonymous as ServiceError).code).toBe(status.UNAUTHENTICATED);
    });
  });
});

describe('gRPC from the compiled CLI (the .proto found from dist/)', () => {
  beforeAll(() => buildCompiledCli(), 180_000);
  afterAll(() => killCliServers());

  it('serves TicketService on the port it logs, guarded like the in-process app', async () => {
    const dataDir = await newDataDir();
    const server = await startCliServer({ TICKETING_DATA_DIR: dataDir, LOG_LEVEL: 'info' });
    expect(server.grpcAddress).toBeDefined();
    const client = new TicketGrpcClient(server.grpcAddress!);
    try {
      const token = (await runCli(['token', '--role', 'agent', '--sub', 'a-cli'], { TICKETING_DATA_DIR: dataDir })).stdout.trim();
      expect((await client.callError('GetTicket', { ticketId: newId() }, { token })).code).toBe(status.NOT_FOUND);
      expect((await client.callError('GetTicket', { ticketId: newId() })).code).toBe(status.UNAUTHENTICATED);
    } finally {
      client.close();
      server.child.kill('SIGTERM');
      await server.exited;
    }
  }, 60_000);
});
