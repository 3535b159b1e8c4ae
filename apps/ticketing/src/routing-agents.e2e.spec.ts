import { status } from '@grpc/grpc-js';
import { ROUTING_PROTO_FILE } from '@ticketing/contracts';
import type { RecordedEvent } from '@ticketing/event-store';
import { ManualClock, newId } from '@ticketing/kernel';
import { ContextGrpcClient } from './test-support/context-grpc.client';
import { eventually } from './test-support/eventually';
import { TicketingHarness, type HttpReply } from './test-support/ticketing.harness';

type Counts = Record<'chat' | 'email' | 'web_form' | 'social' | 'api', number>;
type Agent = {
  agentId: string;
  displayName: string;
  languages: string[];
  skills: string[];
  clearances: string[];
  capacity: Partial<Counts>;
  limits: Counts;
  load: Counts;
  timeZone: string | null;
  shifts: { days: string[]; start: string; end: string }[];
  availability: 'online' | 'away' | 'offline';
  availableSince: string | null;
  onShift: boolean;
  retired: boolean;
  heldTickets: string[];
  lastTakenAt: string | null;
};
type Routed = {
  ticketId: string;
  queue: string;
  category: string | null;
  priority: string | null;
  assignee: string | null;
  status: 'waiting' | 'assigned' | 'finished';
  transfers: number;
};
type Waiting = Routed & { queuedAt: string; slaDueAt: string | null; unassignedReason: string };
type Ticket = { id: string; status: string; assignee: string | null; createdAt: string };
type Problem = { detail: string; errors?: { field: string; message: string }[] };

/** The dispatcher's poll interval (DISPATCH_POLL_MS): it sleeps that long on the injected clock between looks. */
const DISPATCH_POLL_MS = 250;
const MINUTE = 60_000;
const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

const GENERAL_QUESTION = 'Where can I find the fee schedule for spot trading, and is there a referral program for inviting friends?';
const SECURITY_INCIDENT = 'someone logged into my account from another country and withdrew all my USDT, I did not do this';

/** Chat answered within the hour, the rest within a day: SLA due times that differ from the tickets' age. No breach happens while the test runs. */
const POLICY = {
  rules: [
    { name: 'chat-hour', match: { channel: 'chat' }, targets: { firstResponse: 'PT1H', nextResponse: 'PT1H' } },
    { name: 'everything-else', match: {}, targets: { firstResponse: 'PT24H', nextResponse: 'PT24H', resolution: 'PT72H' } },
  ],
};

const ANA = { displayName: 'Ana', languages: ['en'], skills: ['general_inquiry'], clearances: [], capacity: { chat: 3 } };
const SAM = {
  displayName: 'Sam',
  languages: ['en', 'ko'],
  skills: ['security_incident', 'withdrawal_issue', 'account_access'],
  clearances: ['security'],
  capacity: { chat: 2, email: 5 },
  timeZone: 'Asia/Seoul',
  shifts: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '24:00' }],
};

const expectProblem = (reply: HttpReply, statusCode: number, mentions?: string | RegExp) => {
  expect(reply.status).toBe(statusCode);
  expect(reply.contentType).toContain('application/problem+json');
  if (mentions !== undefined) expect((reply.body as Problem).detail).toMatch(mentions);
};

/**
 * Routing to people end to end, over real HTTP and grpc-js, on a ManualClock: agents, their
 * availability, the dispatcher handing out tickets (it is a background task that sleeps on the
 * clock, so the tests move the clock while they wait), capacity, release, claim, transfer,
 * escalation, retirement and every refusal. The tests run in order on one process and build on
 * each other's tickets, like the README's walk-through.
 */
describe('routing to people: agents, automatic assignment, claim, release, transfer, escalate (e2e, ManualClock)', () => {
  const clock = new ManualClock(new Date('2025-03-03T09:00:00.000Z'));
  let harness: TicketingHarness;
  let grpc: ContextGrpcClient;
  let customer: string;
  let ana: string;
  let sam: string;
  let stranger: string;
  let supervisor: string;
  let admin: string;
  let ops: string;
  /** The four chat tickets of the capacity test, in the order opened; then the others by name. */
  const chats: string[] = [];
  const named: Record<'security' | 'closed' | 'webForm' | 'chatLater' | 'high', string> = { security: '', closed: '', webForm: '', chatLater: '', high: '' };

  beforeAll(async () => {
    // Keep tickets of agents gone away (no grace-period requeue), and lift the per-minute limits: the tests poll.
    harness = await TicketingHarness.start({
      clock,
      env: { TICKETING_AGENT_UNAVAILABLE_TICKETS: 'keep', TICKETING_RATE_LIMIT_READS: '1000000/min', TICKETING_RATE_LIMIT_STAFF_WRITES: '1000000/min' },
    });
    grpc = new ContextGrpcClient(ROUTING_PROTO_FILE, 'ticketing.routing.v1.RoutingService', harness.grpcAddress);
    customer = await harness.token('customer', 'cust-routing');
    ana = await harness.token('agent', 'agent-ana');
    sam = await harness.token('agent', 'agent-sam');
    stranger = await harness.token('agent', 'agent-without-profile');
    supervisor = await harness.token('supervisor', 'sup-routing');
    admin = await harness.token('admin', 'admin-routing');
    ops = await harness.token('ops', 'ops-routing');
    expect((await harness.request('PUT', '/v1/sla/policy', { token: admin, body: POLICY })).status).toBe(200);
  });
  afterAll(async () => {
    grpc?.close();
    await harness?.close();
  });

  const head = () => harness.runtime.eventStore.headPosition();

  /** `eventually`, moving the clock by one dispatcher poll between tries (the dispatcher sleeps on it). */
  const eventuallyDispatched = <T>(read: () => Promise<T>, timeoutMs = 10_000): Promise<T> =>
    eventually(read, { timeoutMs, pauseMs: 25, between: () => clock.advance(DISPATCH_POLL_MS) });

  /** The head once every bus consumer group has caught up with it (their reactions are appended) and every projection applied it. */
  async function quiet(): Promise<number> {
    for (;;) {
      const last = await head();
      const groups = await harness.runtime.bus.groupStatus();
      if (groups.every((group) => group.lag === 0)) {
        await harness.runtime.projections.waitFor(last);
        await new Promise((resolve) => setTimeout(resolve, 50));
        if ((await head()) === last) return last;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Asserts that each request is refused as expected and appends nothing at all. */
  async function refusedWithNothingAppended(cases: readonly [Promise<HttpReply> | (() => Promise<HttpReply>), number, (string | RegExp)?][]): Promise<void> {
    const before = await quiet();
    for (const [request, statusCode, mentions] of cases) expectProblem(await (typeof request === 'function' ? request() : request), statusCode, mentions);
    expect(await quiet()).toBe(before);
  }

  async function streamEvents(streamName: string, type?: string): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    for await (const event of harness.runtime.eventStore.readStream(streamName)) if (type === undefined || event.type === type) events.push(event);
    return events;
  }

  async function open(body: Record<string, unknown>): Promise<string> {
    const reply = await harness.request('POST', '/v1/tickets', { token: customer, body: { language: 'en', ...body } });
    expect(reply.status).toBe(201);
    const { id } = reply.body as Ticket;
    await harness.ticketQueued(id);
    return id;
  }
  const openChat = (text = GENERAL_QUESTION, extra: Record<string, unknown> = {}) => open({ channel: 'chat', body: text, chat: { sessionId: `chat-${newId()}` }, ...extra });

  const putAgent = (agentId: string, body: unknown, token = supervisor) => harness.request('PUT', `/v1/routing/agents/${agentId}`, { token, body });
  const setAvailability = (agentId: string, to: string, token: string) => harness.request('PUT', `/v1/routing/agents/${agentId}/availability`, { token, body: { status: to } });
  const act = (ticketId: string, action: string, token: string, body?: unknown) => harness.request('POST', `/v1/routing/tickets/${ticketId}/${action}`, { token, body });

  async function agent(agentId: string, token = ops): Promise<Agent> {
    const reply = await harness.request('GET', `/v1/routing/agents/${agentId}`, { token });
    expect(reply.status).toBe(200);
    return reply.body as Agent;
  }
  async function routed(ticketId: string): Promise<Routed> {
    const reply = await harness.request('GET', `/v1/routing/tickets/${ticketId}`, { token: ops });
    expect(reply.status).toBe(200);
    return reply.body as Routed;
  }
  async function myTickets(token: string): Promise<Routed[]> {
    const reply = await harness.request('GET', '/v1/routing/my-tickets', { token });
    expect(reply.status).toBe(200);
    return (reply.body as { tickets: Routed[] }).tickets;
  }
  async function waitingIn(queue: string): Promise<Waiting[]> {
    const reply = await harness.request('GET', `/v1/routing/queues/${queue}`, { token: ana });
    expect(reply.status).toBe(200);
    return (reply.body as { tickets: Waiting[] }).tickets;
  }
  async function intakeTicket(ticketId: string): Promise<Ticket> {
    const reply = await harness.request('GET', `/v1/tickets/${ticketId}`, { token: ops });
    expect(reply.status).toBe(200);
    return reply.body as Ticket;
  }

  /** Held tickets per channel after every event of the agent's stream, to check capacity at every revision. */
  async function heldAtEveryRevision(agentId: string): Promise<Record<string, number>[]> {
    const held = new Map<string, string>();
    const counts: Record<string, number>[] = [];
    for (const event of await streamEvents(`agent-${agentId}`)) {
      const data = event.data as { ticketId?: string; channel?: string };
      if (event.type === 'AgentTicketTaken') held.set(data.ticketId!, data.channel!);
      if (event.type === 'AgentTicketDropped') held.delete(data.ticketId!);
      const perChannel: Record<string, number> = {};
      for (const channel of held.values()) perChannel[channel] = (perChannel[channel] ?? 0) + 1;
      counts.push(perChannel);
    }
    return counts;
  }

  it('1. creates agents with PUT (supervisors, admins), reads and pages them; the same profile again appends nothing', async () => {
    const created = await putAgent('agent-ana', ANA);
    expect(created.status).toBe(200);
    expect(created.body).toEqual({
      agentId: 'agent-ana',
      ...ANA,
      limits: { chat: 3, email: 10, web_form: 10, social: 5, api: 10 },
      load: { chat: 0, email: 0, web_form: 0, social: 0, api: 0 },
      timeZone: null,
      shifts: [],
      availability: 'offline',
      availableSince: clock.now().toISOString(),
      onShift: true,
      retired: false,
      heldTickets: [],
      lastTakenAt: null,
    });
    const other = await putAgent('agent-sam', SAM, admin);
    expect(other.body).toMatchObject({ agentId: 'agent-sam', ...SAM, limits: { chat: 2, email: 5, web_form: 10 }, availability: 'offline', onShift: true });
    expect((await streamEvents('agent-agent-ana')).map((event) => [event.type, event.data])).toEqual([
      ['AgentProfileSaved', expect.objectContaining({ agentId: 'agent-ana', savedBy: 'sup-routing', profile: { ...ANA, timeZone: null, shifts: [] } })],
    ]);

    // An agent reads itself and others; the list pages by id.
    expect((await agent('agent-ana', ana)).displayName).toBe('Ana');
    const firstPage = await harness.request('GET', '/v1/routing/agents?limit=1', { token: ana });
    const page = firstPage.body as { items: Agent[]; nextCursor: string | null };
    expect(page.items.map((item) => item.agentId)).toEqual(['agent-ana']);
    const secondPage = await harness.request('GET', `/v1/routing/agents?limit=1&cursor=${page.nextCursor}`, { token: ops });
    expect(secondPage.body).toEqual({ items: [expect.objectContaining({ agentId: 'agent-sam', timeZone: 'Asia/Seoul' })], nextCursor: null });
    expect(((await harness.request('GET', '/v1/routing/agents?availability=online', { token: ops })).body as { items: Agent[] }).items).toEqual([]);

    const before = await quiet();
    const again = await putAgent('agent-ana', { clearances: [], capacity: { chat: 3 }, skills: ['general_inquiry'], languages: ['en'], displayName: 'Ana' });
    expect(again.status).toBe(200);
    expect(await quiet()).toBe(before);
  });

  it('2. sets availability: an agent its own (another’s is a 403), supervisors anyone’s', async () => {
    const online = await setAvailability('agent-ana', 'online', ana);
    expect(online.status).toBe(200);
    expect(online.body).toMatchObject({ availability: 'online', availableSince: clock.now().toISOString() });
    expect((await streamEvents('agent-agent-ana', 'AgentAvailabilityChanged')).map((event) => event.data)).toEqual([
      expect.objectContaining({ from: 'offline', to: 'online', by: 'agent-ana' }),
    ]);
    await refusedWithNothingAppended([
      [() => setAvailability('agent-sam', 'online', ana), 403, /own availability/],
      [() => setAvailability('agent-sam', 'online', customer), 403],
      [() => setAvailability('agent-ana', 'busy', ana), 400],
      [() => setAvailability('agent-nobody', 'online', supervisor), 404, /does not exist/],
    ]);
    expect((await agent('agent-sam')).availability).toBe('offline');
  });

  it('3. hands waiting tickets out automatically and never over capacity: the fourth chat for a capacity-3 agent waits, saying why', async () => {
    for (let index = 0; index < 4; index++) chats.push(await openChat());
    const held = await eventuallyDispatched(async () => {
      const mine = await myTickets(ana);
      expect(mine).toHaveLength(3);
      return mine;
    });
    expect(held.map((ticket) => ticket.ticketId)).toEqual(chats.slice(0, 3));
    expect(held[0]).toMatchObject({ queue: 'general-en', category: 'general_inquiry', assignee: 'agent-ana', status: 'assigned', transfers: 0 });
    expect((await streamEvents(`routing-${chats[0]}`, 'TicketAssignedToAgent')).map((event) => event.data)).toEqual([
      expect.objectContaining({ agentId: 'agent-ana', rule: 'auto', queue: 'general-en', by: 'routing-dispatch' }),
    ]);

    // More dispatch rounds change nothing: Ana is full, Sam offline (and without the skill).
    for (let round = 0; round < 8; round++) {
      clock.advance(DISPATCH_POLL_MS);
      await quiet();
    }
    expect(await routed(chats[3])).toMatchObject({ status: 'waiting', assignee: null });
    expect((await agent('agent-ana')).load).toMatchObject({ chat: 3 });
    expect(Math.max(...(await heldAtEveryRevision('agent-ana')).map((counts) => counts.chat ?? 0))).toBe(3);
    const [fourth] = await waitingIn('general-en');
    const opened = await intakeTicket(chats[3]);
    expect(fourth).toMatchObject({ ticketId: chats[3], status: 'waiting', slaDueAt: plus(opened.createdAt, 60 * MINUTE), unassignedReason: '1 full (3 chat), 1 offline' });

    // Intake shows who holds each ticket once it followed routing.
    for (const ticketId of chats.slice(0, 3)) await eventuallyDispatched(async () => expect(await intakeTicket(ticketId)).toMatchObject({ status: 'assigned', assignee: 'agent-ana' }));
    expect(await intakeTicket(chats[3])).toMatchObject({ status: 'open', assignee: null });
  });

  it('4. refuses bad input with a clear problem and appends nothing', async () => {
    named.security = await openChat(SECURITY_INCIDENT);
    expect(await routed(named.security)).toMatchObject({ queue: 'security-emergency', priority: 'emergency', status: 'waiting' });
    const { languages: _languages, ...withoutLanguages } = ANA;
    await refusedWithNothingAppended([
      // Profiles: no languages, no skills, capacity 0 or negative, an unknown category, clearance or channel, a bad time zone or shift.
      [() => putAgent('agent-bad', { ...ANA, languages: [] }), 400, /invalid/],
      [() => putAgent('agent-bad', withoutLanguages), 400],
      [() => putAgent('agent-bad', { ...ANA, skills: [] }), 400],
      [() => putAgent('agent-bad', { ...ANA, capacity: { chat: 0 } }), 400],
      [() => putAgent('agent-bad', { ...ANA, capacity: { chat: -2 } }), 400],
      [() => putAgent('agent-bad', { ...ANA, capacity: { fax: 2 } }), 400],
      [() => putAgent('agent-bad', { ...ANA, skills: ['refunds'] }), 400],
      [() => putAgent('agent-bad', { ...ANA, clearances: ['root'] }), 400],
      [() => putAgent('agent-bad', { ...ANA, timeZone: 'Mars/Olympus_Mons' }), 400, /time zone/],
      [() => putAgent('agent-bad', { ...ANA, shifts: [{ days: ['mon'], start: '9am', end: '17:00' }] }), 400],
      [() => putAgent('bad agent id', ANA), 400, /agentId/],
      [() => putAgent('agent-bad', ANA, ana), 403],
      // An unknown queue.
      [() => harness.request('GET', '/v1/routing/queues/refunds-en', { token: ana }), 404, /refunds-en/],
      [() => act(chats[0], 'transfer', ana, { toQueue: 'refunds-en', reason: 'wrong desk' }), 400, /refunds-en/],
      [() => act(chats[0], 'transfer', ana, { reason: 'nowhere' }), 400, /queue or an agent/],
      // Assigning to an offline agent, over capacity (409 naming the limit), to nobody known, or a ticket someone holds.
      [() => act(chats[3], 'assign', supervisor, { agentId: 'agent-sam' }), 409, /offline/],
      [() => act(chats[3], 'assign', supervisor, { agentId: 'agent-ana' }), 409, /limit is 3/],
      [() => act(chats[3], 'claim', ana), 409, /limit is 3/],
      [() => act(chats[3], 'transfer', supervisor, { toAgentId: 'agent-ana', reason: 'Ana again' }), 409, /limit is 3/],
      [() => act(chats[3], 'assign', supervisor, { agentId: 'agent-nobody' }), 404],
      [() => act(chats[0], 'assign', supervisor, { agentId: 'agent-sam' }), 409, /held by agent agent-ana/],
      [() => act(named.security, 'assign', supervisor, { agentId: 'agent-ana' }), 409, /security clearance/],
      [() => act(newId(), 'assign', supervisor, { agentId: 'agent-ana' }), 404],
      [() => act(chats[3], 'assign', ana, { agentId: 'agent-ana' }), 403],
      // Claiming from a queue without its clearance, or without being an agent.
      [() => act(named.security, 'claim', ana), 403, /security clearance/],
      [() => act(chats[3], 'claim', stranger), 403, /not an agent/],
      [() => act(chats[0], 'claim', sam), 409, /held by agent agent-ana/],
      // Another agent's ticket; a ticket nobody holds.
      [() => act(chats[0], 'release', sam), 403],
      [() => act(chats[0], 'transfer', sam, { toQueue: 'trading-en', reason: 'not mine' }), 403],
      [() => act(chats[0], 'escalate', sam, { reason: 'not mine' }), 403],
      [() => act(chats[3], 'release', ana), 409, /not held/],
      [() => act(chats[3], 'release', ana, { reason: '' }), 400],
    ]);

    // Transferring (or escalating, assigning) a closed ticket.
    named.closed = await openChat();
    expect((await harness.request('POST', `/v1/tickets/${named.closed}/resolve`, { token: ana, body: { resolutionCode: 'answered' } })).status).toBe(200);
    expect((await harness.request('POST', `/v1/tickets/${named.closed}/close`, { token: ana })).status).toBe(200);
    await eventuallyDispatched(async () => expect(await routed(named.closed)).toMatchObject({ status: 'finished', assignee: null }));
    await refusedWithNothingAppended([
      [() => act(named.closed, 'transfer', supervisor, { toQueue: 'general-en', toAgentId: 'agent-sam', reason: 'once more' }), 409, /resolved or closed/],
      [() => act(named.closed, 'transfer', supervisor, { toQueue: 'trading-en', reason: 'once more' }), 409, /resolved or closed/],
      [() => act(named.closed, 'escalate', supervisor, { reason: 'too late' }), 409, /resolved or closed/],
      [() => act(named.closed, 'assign', supervisor, { agentId: 'agent-ana' }), 409],
      [() => act(named.closed, 'release', supervisor), 409, /not held/],
    ]);
  });

  it('5. is never for customers: 403 on every routing-to-people route', async () => {
    const ticketId = chats[0];
    await refusedWithNothingAppended([
      [() => putAgent('agent-ana', ANA, customer), 403],
      [() => harness.request('GET', '/v1/routing/agents', { token: customer }), 403],
      [() => harness.request('GET', '/v1/routing/agents/agent-ana', { token: customer }), 403],
      [() => harness.request('DELETE', '/v1/routing/agents/agent-ana', { token: customer }), 403],
      [() => setAvailability('agent-ana', 'away', customer), 403],
      [() => act(ticketId, 'assign', customer, { agentId: 'agent-ana' }), 403],
      [() => act(ticketId, 'claim', customer), 403],
      [() => act(ticketId, 'release', customer), 403],
      [() => act(ticketId, 'transfer', customer, { toQueue: 'general-en', reason: 'x' }), 403],
      [() => act(ticketId, 'escalate', customer, { reason: 'x' }), 403],
      [() => harness.request('GET', '/v1/routing/my-tickets', { token: customer }), 403],
      [() => harness.request('GET', '/v1/routing/queues/general-en', { token: customer }), 403],
    ]);
  });

  it('6. lists a queue in dispatch order (priority, then SLA due time, then age), each with its SLA due time and why nobody has it', async () => {
    // Away, Ana gets nothing new (and keeps what she holds: TICKETING_AGENT_UNAVAILABLE_TICKETS=keep).
    expect((await setAvailability('agent-ana', 'away', ana)).body).toMatchObject({ availability: 'away' });
    named.webForm = await open({ channel: 'web_form', subject: 'Fees and referrals', body: GENERAL_QUESTION, webForm: { formId: 'general-help' } });
    clock.advance(MINUTE);
    named.chatLater = await openChat();
    clock.advance(MINUTE);
    named.high = await openChat(GENERAL_QUESTION, { assetContext: { asset: 'USDT', amount: '25000' } });
    await quiet();
    const waiting = await waitingIn('general-en');
    // The web form is older than the later chat, but the chat is due sooner (1 h against 24 h).
    expect(waiting.map((ticket) => ticket.ticketId)).toEqual([named.high, chats[3], named.chatLater, named.webForm]);
    expect(waiting.map((ticket) => ticket.priority)).toEqual(['high', 'normal', 'normal', 'normal']);
    expect(waiting[3].slaDueAt).toBe(plus((await intakeTicket(named.webForm)).createdAt, 24 * 60 * MINUTE));
    expect(waiting[2].slaDueAt).toBe(plus((await intakeTicket(named.chatLater)).createdAt, 60 * MINUTE));
    expect(new Set(waiting.map((ticket) => ticket.unassignedReason))).toEqual(new Set(['1 away, 1 offline']));
    expect(await waitingIn('supervisor')).toEqual([]);
  });

  it('7. releases, claims, transfers and escalates, each with its events, capacity following', async () => {
    const [t1, t2, t3, t4] = chats;

    const released = await act(t1, 'release', ana, { reason: 'customer asked for a Korean speaker' });
    expect(released.status).toBe(200);
    expect(released.body).toMatchObject({ ticketId: t1, status: 'waiting', assignee: null, queue: 'general-en' });
    expect((await streamEvents(`routing-${t1}`, 'TicketReleasedFromAgent')).map((event) => event.data)).toEqual([expect.objectContaining({ agentId: 'agent-ana', reason: 'released', by: 'agent-ana' })]);
    expect((await streamEvents('agent-agent-ana', 'AgentTicketDropped')).map((event) => event.data)).toEqual([
      expect.objectContaining({ ticketId: t1, reason: 'released: customer asked for a Korean speaker' }),
    ]);
    expect((await agent('agent-ana')).load.chat).toBe(2);
    await eventuallyDispatched(async () => expect(await intakeTicket(t1)).toMatchObject({ status: 'open', assignee: null }));

    const claimed = await act(t4, 'claim', ana);
    expect(claimed.status).toBe(200);
    expect(claimed.body).toMatchObject({ ticketId: t4, status: 'assigned', assignee: 'agent-ana' });
    expect((await streamEvents(`routing-${t4}`, 'TicketAssignedToAgent')).map((event) => event.data)).toEqual([expect.objectContaining({ rule: 'claim', reason: 'claimed from general-en' })]);
    expect((await agent('agent-ana')).load.chat).toBe(3);

    const toQueue = await act(t2, 'transfer', ana, { toQueue: 'trading-en', reason: 'asks about spot fees: trading desk' });
    expect(toQueue.status).toBe(200);
    expect(toQueue.body).toMatchObject({ ticketId: t2, queue: 'trading-en', status: 'waiting', assignee: null, transfers: 1 });
    expect((await streamEvents(`routing-${t2}`)).slice(-3).map((event) => event.type)).toEqual(['TicketTransferred', 'TicketReleasedFromAgent', 'TicketQueued']);

    // A supervisor moves Ana's ticket to Sam: offline, but a transfer goes through capacity alone.
    const toAgent = await act(t3, 'transfer', supervisor, { toAgentId: 'agent-sam', reason: 'Sam knows this customer' });
    expect(toAgent.status).toBe(200);
    expect(toAgent.body).toMatchObject({ ticketId: t3, queue: 'general-en', status: 'assigned', assignee: 'agent-sam', transfers: 1 });
    expect((await streamEvents(`routing-${t3}`, 'TicketTransferred')).map((event) => event.data)).toEqual([
      expect.objectContaining({ fromAgentId: 'agent-ana', toAgentId: 'agent-sam', fromQueue: 'general-en', toQueue: 'general-en', by: 'sup-routing' }),
    ]);
    expect((await streamEvents(`routing-${t3}`, 'TicketAssignedToAgent')).map((event) => event.data.rule)).toEqual(['auto', 'transfer']);

    const escalated = await act(t4, 'escalate', ana, { reason: 'customer threatens to go public' });
    expect(escalated.status).toBe(200);
    expect(escalated.body).toMatchObject({ ticketId: t4, queue: 'supervisor', priority: 'high', status: 'waiting', assignee: null });
    expect((await streamEvents(`routing-${t4}`, 'TicketEscalated')).map((event) => event.data)).toEqual([
      expect.objectContaining({ cause: 'manual', fromPriority: 'normal', toPriority: 'high', fromQueue: 'general-en', toQueue: 'supervisor', reason: 'customer threatens to go public' }),
    ]);
    await quiet();
    expect((await agent('agent-ana')).load.chat).toBe(0);
    expect(await myTickets(ana)).toEqual([]);
    expect((await myTickets(sam)).map((ticket) => ticket.ticketId)).toEqual([t3]);
    expect((await waitingIn('supervisor')).map((ticket) => [ticket.ticketId, ticket.unassignedReason])).toEqual([[t4, '1 away, 1 offline']]);

    // Sam comes online: the emergency goes to the one agent cleared for its queue, within Sam's 2 chats.
    expect((await setAvailability('agent-sam', 'online', supervisor)).status).toBe(200);
    await eventuallyDispatched(async () => expect(await routed(named.security)).toMatchObject({ status: 'assigned', assignee: 'agent-sam' }));
    expect((await myTickets(sam)).map((ticket) => ticket.ticketId).sort()).toEqual([t3, named.security].sort());
    expect(Math.max(...(await heldAtEveryRevision('agent-sam')).map((counts) => counts.chat ?? 0))).toBe(2);
    await eventuallyDispatched(async () => expect(await intakeTicket(named.security)).toMatchObject({ status: 'assigned', assignee: 'agent-sam' }));
  });

  it('8. retiring an agent gives its tickets back to their queues; a retired agent is a 409', async () => {
    const [, , t3] = chats;
    const retired = await harness.request('DELETE', '/v1/routing/agents/agent-sam', { token: supervisor });
    expect(retired.status).toBe(200);
    expect(retired.body).toMatchObject({ agentId: 'agent-sam', retired: true, availability: 'offline', heldTickets: [], load: { chat: 0 } });
    expect(await routed(t3)).toMatchObject({ status: 'waiting', assignee: null, queue: 'general-en' });
    expect(await routed(named.security)).toMatchObject({ status: 'waiting', assignee: null, queue: 'security-emergency' });
    expect((await streamEvents(`routing-${named.security}`, 'TicketReleasedFromAgent')).map((event) => event.data)).toEqual([expect.objectContaining({ reason: 'agent_retired' })]);
    await eventuallyDispatched(async () => expect(await intakeTicket(named.security)).toMatchObject({ status: 'open', assignee: null }));
    await quiet();
    expect((await waitingIn('security-emergency')).map((ticket) => [ticket.ticketId, ticket.unassignedReason])).toEqual([[named.security, '1 away']]);

    await refusedWithNothingAppended([
      [() => setAvailability('agent-sam', 'online', supervisor), 409, /retired/],
      [() => putAgent('agent-sam', SAM), 409, /retired/],
      [() => act(t3, 'assign', supervisor, { agentId: 'agent-sam' }), 409, /retired/],
      [() => act(t3, 'transfer', supervisor, { toAgentId: 'agent-sam', reason: 'back to Sam' }), 409, /retired/],
      [() => harness.request('DELETE', '/v1/routing/agents/agent-nobody', { token: supervisor }), 404],
    ]);
    const before = await quiet();
    expect((await harness.request('DELETE', '/v1/routing/agents/agent-sam', { token: admin })).status).toBe(200);
    expect(await quiet()).toBe(before);
    const listed = (await harness.request('GET', '/v1/routing/agents', { token: ops })).body as { items: Agent[] };
    expect(listed.items.map((item) => [item.agentId, item.retired])).toEqual([
      ['agent-ana', false],
      ['agent-sam', true],
    ]);
  });

  it('9. serves the same over gRPC: PutAgent, GetAgent, ListAgents, SetAgentAvailability, ClaimTicket, ListMyTickets, TransferTicket; PERMISSION_DENIED for customers', async () => {
    const [, t2] = chats;
    const created = await grpc.call('PutAgent', { agentId: 'agent-kim', displayName: 'Kim', languages: ['LANGUAGE_EN'], skills: ['CATEGORY_TRADING_ISSUE'], capacity: { chat: 1 } }, supervisor);
    expect(created).toMatchObject({
      agentId: 'agent-kim',
      languages: ['LANGUAGE_EN'],
      skills: ['CATEGORY_TRADING_ISSUE'],
      clearances: [],
      capacity: { chat: 1 },
      limits: { chat: 1, email: 10 },
      availability: 'AGENT_AVAILABILITY_OFFLINE',
      retired: false,
    });
    const kim = await harness.token('agent', 'agent-kim');
    expect(await grpc.call('GetAgent', { agentId: 'agent-kim' }, ana)).toMatchObject({ displayName: 'Kim' });
    const page = await grpc.call<{ items: { agentId: string }[]; nextCursor?: string }>('ListAgents', { limit: 2 }, ops);
    expect(page.items.map((item) => item.agentId)).toEqual(['agent-ana', 'agent-kim']);
    expect(page.nextCursor).toEqual(expect.any(String));
    expect((await grpc.call<{ items: { agentId: string }[] }>('ListAgents', { cursor: page.nextCursor }, ops)).items.map((item) => item.agentId)).toEqual(['agent-sam']);

    const before = await quiet();
    for (const [method, request, token, code] of [
      ['PutAgent', { agentId: 'agent-bad', displayName: 'Bad', languages: ['LANGUAGE_EN'], skills: ['CATEGORY_GENERAL_INQUIRY'], capacity: { chat: 0 } }, supervisor, status.INVALID_ARGUMENT],
      ['PutAgent', { agentId: 'agent-bad', displayName: 'Bad', languages: [], skills: ['CATEGORY_GENERAL_INQUIRY'] }, supervisor, status.INVALID_ARGUMENT],
      ['PutAgent', { agentId: 'agent-bad', displayName: 'Bad', languages: ['LANGUAGE_EN'], skills: ['CATEGORY_GENERAL_INQUIRY'], capacity: { fax: 1 } }, supervisor, status.INVALID_ARGUMENT],
      ['PutAgent', { agentId: 'agent-bad', displayName: 'Bad', languages: ['LANGUAGE_EN'], skills: ['CATEGORY_GENERAL_INQUIRY'] }, customer, status.PERMISSION_DENIED],
      ['GetAgent', { agentId: 'agent-kim' }, customer, status.PERMISSION_DENIED],
      ['ListMyTickets', {}, customer, status.PERMISSION_DENIED],
      ['ClaimTicket', { ticketId: named.security }, customer, status.PERMISSION_DENIED],
      ['ClaimTicket', { ticketId: named.security }, kim, status.PERMISSION_DENIED],
      ['SetAgentAvailability', { agentId: 'agent-ana', status: 'AGENT_AVAILABILITY_ONLINE' }, kim, status.PERMISSION_DENIED],
      ['AssignTicket', { ticketId: named.high, agentId: 'agent-ana' }, supervisor, status.ALREADY_EXISTS],
      ['TransferTicket', { ticketId: named.closed, toQueue: 'general-en', reason: 'closed' }, supervisor, status.FAILED_PRECONDITION],
      ['TransferTicket', { ticketId: t2, toQueue: 'refunds-en', reason: 'unknown' }, supervisor, status.INVALID_ARGUMENT],
      ['GetAgent', { agentId: 'agent-nobody' }, ops, status.NOT_FOUND],
    ] as const) {
      expect({ method, code: (await grpc.error(method, request, token)).code }).toEqual({ method, code });
    }
    expect(await quiet()).toBe(before);

    // Away (no automatic assignment), Kim claims the ticket transferred to the trading desk; dispatch would not hand it to Kim:
    // eligibility is by the ticket's category (still general_inquiry), not by the queue it was moved to.
    expect(await grpc.call('SetAgentAvailability', { agentId: 'agent-kim', status: 'AGENT_AVAILABILITY_AWAY' }, kim)).toMatchObject({ availability: 'AGENT_AVAILABILITY_AWAY' });
    expect(await grpc.call('ClaimTicket', { ticketId: t2 }, kim)).toMatchObject({ ticketId: t2, queue: 'trading-en', assignee: 'agent-kim', status: 'ROUTING_STATUS_ASSIGNED', transfers: 1 });
    const mine = await eventuallyDispatched(async () => {
      const { tickets } = await grpc.call<{ tickets: Record<string, unknown>[] }>('ListMyTickets', {}, kim);
      expect(tickets).toHaveLength(1);
      return tickets;
    });
    expect(mine).toEqual([expect.objectContaining({ ticketId: t2, queue: 'trading-en', assignee: 'agent-kim', status: 'ROUTING_STATUS_ASSIGNED', transfers: 1 })]);
    const moved = await grpc.call('TransferTicket', { ticketId: t2, toQueue: 'general-en', toAgentId: 'agent-ana', reason: 'Ana takes the general part' }, kim);
    expect(moved).toMatchObject({ ticketId: t2, queue: 'general-en', assignee: 'agent-ana', status: 'ROUTING_STATUS_ASSIGNED', transfers: 2 });
    expect(await grpc.call('ListMyTickets', {}, kim)).toEqual({ tickets: [] });
    // A supervisor releases it over REST, with no body at all (the reason is optional).
    const released = await act(t2, 'release', supervisor);
    expect(released.status).toBe(200);
    expect(released.body).toMatchObject({ ticketId: t2, assignee: null, status: 'waiting' });
    await quiet();
  });

  it('10. counts assignments by rule and times dispatch rounds on /metrics', async () => {
    const metrics = (await harness.request('GET', '/metrics')).body as string;
    const count = (rule: string) => Number(new RegExp(`ticketing_routing_assignments_total\\{rule="${rule}"\\} (\\d+)`).exec(metrics)?.[1]);
    // Ana's three chats and Sam's emergency by the dispatcher; Ana's and Kim's claims; the transfers to Sam and to Ana.
    expect(count('auto')).toBe(4);
    expect(count('claim')).toBe(2);
    expect(count('transfer')).toBe(2);
    expect(count('manual')).toBe(0);
    expect(Number(/ticketing_routing_dispatch_round_seconds_count (\d+)/.exec(metrics)?.[1])).toBeGreaterThan(0);
  });
});
