import { status } from '@grpc/grpc-js';
import { SLA_PROTO_FILE } from '@ticketing/contracts';
import type { RecordedEvent } from '@ticketing/event-store';
import { ManualClock, newId } from '@ticketing/kernel';
import type { SlaClockView } from '@ticketing/sla-domain';
import { ContextGrpcClient } from './test-support/context-grpc.client';
import { eventually } from './test-support/eventually';
import { TicketingHarness, type HttpReply } from './test-support/ticketing.harness';

type Ticket = { id: string; createdAt: string };
/** A clock as `GET /v1/tickets/{id}/sla` answers it (the domain's view, serialized). */
type Clock = SlaClockView;
type TicketSla = { ticketId: string; priority: string | null; category: string | null; clocks: Clock[]; firstContactResolution: boolean | null };
type AtRisk = { ticketId: string; target: string; channel: string; priority: string | null; dueAt: string; secondsToDue: number; warned: boolean };
type Rates = Record<string, { clocks: number; breached: number; rate: number | null }>;
type Stats = { count: number; mean: number | null; median: number | null; p90: number | null; p99: number | null };
type ReportGroup = { key: string | null; tickets: number; firstResponseSeconds: Stats; breachRates: { then?: Rates; now?: Rates } };
type Report = { groupBy: string | null; policy: string; groups: ReportGroup[] };
type WhatIf = { tickets: number; recorded: Rates; candidate: Rates; changedTickets: number; changes: { ticketId: string; target: string; recorded: string; candidate: string }[] };
type Problem = { detail: string; errors?: { field: string; message: string }[] };
type Timestamp = { seconds: string; nanos: number };


const expectProblem = (reply: HttpReply, statusCode: number, mentions?: string | RegExp) => {
  expect(reply.status).toBe(statusCode);
  expect(reply.contentType).toContain('application/problem+json');
  if (mentions !== undefined) expect((reply.body as Problem).detail).toMatch(mentions);
};

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();
const toIso = (timestamp: Timestamp) => new Date(Number(timestamp.seconds) * 1000 + timestamp.nanos / 1e6).toISOString();

const GENERAL_QUESTION = 'Where can I find the fee schedule for spot trading, and is there a referral program for inviting friends?';
const SECURITY_INCIDENT = 'someone logged into my account from another country and withdrew all my USDT, I did not do this';

/** The built-in rules with a one-minute chat first response (`live-chat-fast`): what an admin PUTs to watch a clock breach. */
const SHORT_CHAT_POLICY = {
  rules: [
    { name: 'public-social-complaint', match: { channel: 'social' }, targets: { firstResponse: 'PT1H', nextResponse: 'PT1H' } },
    { name: 'asset-security-emergency', match: { priority: 'emergency' }, targets: { processingStart: 'PT2H', resolution: 'PT24H' } },
    { name: 'live-chat-fast', match: { channel: 'chat' }, targets: { firstResponse: 'PT1M', nextResponse: 'PT5M' } },
    { name: 'normal-priority', match: { priority: 'normal' }, targets: { resolution: 'PT72H' } },
    { name: 'all-channels', match: {}, targets: { firstResponse: 'PT8M', nextResponse: 'PT4H', resolution: 'PT72H' } },
  ],
};

/**
 * The tests run in order on one process, like the README's walk-through: the first sees the
 * built-in policy (version 0), the second PUTs version 1 that the others run under, and the
 * report, what-if and gRPC tests read the tickets the earlier ones left behind.
 */
describe('SLA clocks, policy, timer, reports and what-if over REST and gRPC (e2e, ManualClock)', () => {
  const START = '2025-03-03T09:00:00.000Z';
  const clock = new ManualClock(new Date(START));
  let harness: TicketingHarness;
  let grpc: ContextGrpcClient;
  let customer: string;
  let agent: string;
  let supervisor: string;
  let admin: string;
  let ops: string;
  /** The ticket of each scenario, for the reports and gRPC at the end. */
  const tickets: Record<'breached' | 'metInTime' | 'paused' | 'emergency', string> = { breached: '', metInTime: '', paused: '', emergency: '' };

  beforeAll(async () => {
    // Polling reads many times while the manual clock stands still: lift the per-minute read limit.
    harness = await TicketingHarness.start({ clock, env: { TICKETING_RATE_LIMIT_READS: '1000000/min' } });
    grpc = new ContextGrpcClient(SLA_PROTO_FILE, 'ticketing.sla.v1.SlaService', harness.grpcAddress);
    customer = await harness.token('customer', 'cust-sla');
    agent = await harness.token('agent', 'agent-sla');
    supervisor = await harness.token('supervisor', 'sup-sla');
    admin = await harness.token('admin', 'admin-sla');
    ops = await harness.token('ops', 'ops-sla');
  });
  afterAll(async () => {
    grpc?.close();
    await harness?.close();
  });

  const head = () => harness.runtime.eventStore.headPosition();

  async function slaEvents(ticketId: string, type?: string): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    for await (const event of harness.runtime.eventStore.readStream(`sla-${ticketId}`)) if (type === undefined || event.type === type) events.push(event);
    return events;
  }

  async function open(text: string): Promise<Ticket> {
    const reply = await harness.request('POST', '/v1/tickets', { token: customer, body: { channel: 'chat', body: text, language: 'en', chat: { sessionId: `chat-${newId()}` } } });
    expect(reply.status).toBe(201);
    return reply.body as Ticket;
  }

  const post = (ticketId: string, action: string, token: string, body?: unknown) => harness.request('POST', `/v1/tickets/${ticketId}/${action}`, { token, body });

  async function sla(ticketId: string): Promise<TicketSla> {
    const reply = await harness.request('GET', `/v1/tickets/${ticketId}/sla`, { token: agent });
    expect(reply.status).toBe(200);
    return reply.body as TicketSla;
  }

  const clockOf = (view: TicketSla, target: string): Clock => {
    const found = view.clocks.find((candidate) => candidate.target === target);
    if (found === undefined) throw new Error(`no ${target} clock in ${JSON.stringify(view)}`);
    return found;
  };

  /** Polls the ticket's clocks until `check` holds; answers the view it held of. */
  const slaUntil = (ticketId: string, check: (view: TicketSla) => void): Promise<TicketSla> =>
    eventually(async () => {
      const view = await sla(ticketId);
      check(view);
      return view;
    });

  async function atRisk(query = ''): Promise<AtRisk[]> {
    const reply = await harness.request('GET', `/v1/sla/at-risk${query}`, { token: agent });
    expect(reply.status).toBe(200);
    return (reply.body as { clocks: AtRisk[] }).clocks;
  }

  /**
   * Opens a chat ticket and waits until it is classified and the timer's read model holds its
   * running first-response clock: only then may the clock move, or the timer would wake to find
   * nothing due.
   */
  async function openTimed(text = GENERAL_QUESTION): Promise<Ticket> {
    const ticket = await open(text);
    await slaUntil(ticket.id, (view) => expect(view.priority).not.toBeNull());
    await eventually(async () => expect((await atRisk('?target=firstResponse&limit=500')).find((row) => row.ticketId === ticket.id)?.priority).toEqual(expect.any(String)));
    return ticket;
  }

  /**
   * A chat ticket nobody answers, opened before the clock moves past its one-minute target: once
   * its breach shows, the timer has made every check due before it (checks run in due order), so
   * the absence of a breach elsewhere is a verdict and not a timer that has not run yet.
   */
  const openWitness = () => openTimed();
  const witnessBreached = (witness: Ticket) => slaUntil(witness.id, (view) => expect(clockOf(view, 'firstResponse').state).toBe('breached'));

  it('1. tracks a chat ticket from its opening: first response PT5M due 5 minutes after it, resolution; classification names version 0 and its rules', async () => {
    const ticket = await open(GENERAL_QUESTION);
    const tracked = await slaUntil(ticket.id, () => undefined);
    expect(clockOf(tracked, 'firstResponse')).toMatchObject({ duration: 'PT5M', state: 'running', startedAt: ticket.createdAt, dueAt: plus(ticket.createdAt, 5 * MINUTE), calendar: '24/7' });
    expect(clockOf(tracked, 'resolution')).toMatchObject({ state: 'running', startedAt: ticket.createdAt });

    const classified = await slaUntil(ticket.id, (view) => expect(view.priority).toBe('normal'));
    expect(classified.category).toEqual(expect.any(String));
    expect(classified.clocks.map((one) => [one.target, one.policyVersion, one.rule, one.duration])).toEqual([
      ['firstResponse', 0, 'live-chat', 'PT5M'],
      ['resolution', 0, 'normal-priority', 'PT72H'],
    ]);
    expect(clockOf(classified, 'resolution').dueAt).toBe(plus(ticket.createdAt, 72 * 60 * MINUTE));

    expectProblem(await harness.request('GET', `/v1/tickets/${newId()}/sla`, { token: agent }), 404);
    expectProblem(await harness.request('GET', `/v1/tickets/${ticket.id}/sla`, { token: customer }), 403);
    expectProblem(await harness.request('GET', '/v1/tickets/not-a-uuid/sla', { token: agent }), 400);
  });

  it('2. breaches a first response once, as the README shows: PUT a one-minute chat target, warn at 45 s, breach past 60 s, escalate; a late reply meets it still breached', async () => {
    const put = await harness.request('PUT', '/v1/sla/policy', { token: admin, body: SHORT_CHAT_POLICY });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ version: 1, effectiveFrom: clock.now().toISOString(), rules: SHORT_CHAT_POLICY.rules, calendars: {} });
    expect((await harness.request('GET', '/v1/sla/policy', { token: agent })).body).toMatchObject({ version: 1 });

    const ticket = await openTimed();
    tickets.breached = ticket.id;
    const started = clockOf(await sla(ticket.id), 'firstResponse');
    expect(started).toMatchObject({ duration: 'PT1M', policyVersion: 1, rule: 'live-chat-fast', state: 'running', dueAt: plus(ticket.createdAt, MINUTE) });
    expect(started.warnedAt).toBeUndefined();

    clock.advance(45 * SECOND);
    const warned = await slaUntil(ticket.id, (view) => expect(clockOf(view, 'firstResponse').warnedAt).toBe(clock.now().toISOString()));
    expect(clockOf(warned, 'firstResponse')).toMatchObject({ state: 'running', remainingSeconds: 15 });

    clock.advance(16 * SECOND);
    const breached = await slaUntil(ticket.id, (view) => expect(clockOf(view, 'firstResponse').state).toBe('breached'));
    expect(clockOf(breached, 'firstResponse').breachedAt).toBe(clock.now().toISOString());
    const breaches = await slaEvents(ticket.id, 'SlaBreached');
    expect(breaches.map((event) => event.data)).toEqual([
      expect.objectContaining({ target: 'firstResponse', policyVersion: 1, rule: 'live-chat-fast', dueAt: plus(ticket.createdAt, MINUTE), escalation: { toPriority: 'high', toQueue: 'supervisor' } }),
    ]);

    const witness = await openWitness();
    clock.advance(2 * MINUTE);
    await witnessBreached(witness);
    expect(await slaEvents(ticket.id, 'SlaBreached')).toHaveLength(1);

    expect((await post(ticket.id, 'messages', agent, { body: 'Sorry for the wait, here is the fee schedule.' })).status).toBe(201);
    const met = await slaUntil(ticket.id, (view) => expect(clockOf(view, 'firstResponse').metAt).toBe(clock.now().toISOString()));
    expect(clockOf(met, 'firstResponse')).toMatchObject({ state: 'breached', breachedAt: clockOf(breached, 'firstResponse').breachedAt });
    expect(await slaEvents(ticket.id, 'SlaBreached')).toHaveLength(1);
    expect((await slaEvents(ticket.id, 'SlaClockMet')).map((event) => event.data)).toEqual([expect.objectContaining({ target: 'firstResponse', withinTarget: false })]);
  });

  it('3. meets a first response given in time, and breaches nothing once the due time is long past', async () => {
    const ticket = await openTimed();
    tickets.metInTime = ticket.id;
    clock.advance(20 * SECOND);
    expect((await post(ticket.id, 'messages', agent, { body: 'Hi! The fee schedule is under Account → Fees.' })).status).toBe(201);
    const met = await slaUntil(ticket.id, (view) => expect(clockOf(view, 'firstResponse').state).toBe('met'));
    expect(clockOf(met, 'firstResponse')).toMatchObject({ metAt: clock.now().toISOString(), elapsedSeconds: 20 });

    const witness = await openWitness();
    clock.advance(3 * MINUTE);
    await witnessBreached(witness);
    expect(await slaEvents(ticket.id, 'SlaBreached')).toEqual([]);
    expect(clockOf(await sla(ticket.id), 'firstResponse')).toMatchObject({ state: 'met' });
  });

  it('4. pauses every clock while waiting on the customer, breaches nothing meanwhile, and resumes on their reply with the due time shifted by the pause', async () => {
    const ticket = await openTimed();
    tickets.paused = ticket.id;
    const due = clockOf(await sla(ticket.id), 'firstResponse').dueAt!;
    clock.advance(10 * SECOND);
    expect((await post(ticket.id, 'in-progress', agent)).status).toBe(200);
    expect((await post(ticket.id, 'waiting-on-customer', agent)).status).toBe(200);
    const paused = await slaUntil(ticket.id, (view) => expect(view.clocks.map((one) => one.state)).toEqual(['paused', 'paused']));
    expect(clockOf(paused, 'firstResponse')).toMatchObject({ dueAt: null, elapsedSeconds: 10 });

    const witness = await openWitness();
    clock.advance(10 * MINUTE);
    await witnessBreached(witness);
    expect(await slaEvents(ticket.id, 'SlaBreached')).toEqual([]);
    expect(clockOf(await sla(ticket.id), 'firstResponse')).toMatchObject({ state: 'paused', pausedSeconds: 10 * 60 });

    expect((await post(ticket.id, 'messages', customer, { body: 'Here is the screenshot you asked for.' })).status).toBe(201);
    const resumed = await slaUntil(ticket.id, (view) => expect(clockOf(view, 'firstResponse').state).toBe('running'));
    const firstResponse = clockOf(resumed, 'firstResponse');
    expect(firstResponse.pausedSeconds).toBeGreaterThan(0);
    expect(firstResponse).toMatchObject({ pausedSeconds: 10 * 60, elapsedSeconds: 10, remainingSeconds: 50, dueAt: plus(due, firstResponse.pausedSeconds * SECOND) });
    expect(clockOf(resumed, 'resolution').state).toBe('running');
  });

  it('5. gives an asset-security emergency a processing-start clock of 2 h from its opening, met when an agent starts work', async () => {
    const ticket = await open(SECURITY_INCIDENT);
    tickets.emergency = ticket.id;
    const classified = await slaUntil(ticket.id, (view) => expect(view.priority).toBe('emergency'));
    expect(classified.category).toBe('security_incident');
    expect(clockOf(classified, 'processingStart')).toMatchObject({
      duration: 'PT2H',
      rule: 'asset-security-emergency',
      policyVersion: 1,
      state: 'running',
      startedAt: ticket.createdAt,
      dueAt: plus(ticket.createdAt, 2 * 60 * MINUTE),
    });
    expect(clockOf(classified, 'resolution')).toMatchObject({ duration: 'PT24H', rule: 'asset-security-emergency' });

    clock.advance(5 * SECOND);
    expect((await post(ticket.id, 'in-progress', agent)).status).toBe(200);
    const started = await slaUntil(ticket.id, (view) => expect(clockOf(view, 'processingStart').state).toBe('met'));
    expect(clockOf(started, 'processingStart')).toMatchObject({ metAt: clock.now().toISOString(), elapsedSeconds: 5 });
    expect(clockOf(started, 'resolution').state).toBe('running');
  });

  it('6. refuses a bad policy with a 400 naming the rule or calendar, and a non-admin with a 403; version 1 stays in force', async () => {
    const before = await head();
    const rule = (extra: Record<string, unknown> = {}) => ({ name: 'chat-office', match: { channel: 'chat' }, targets: { firstResponse: 'PT5M' }, ...extra });
    const office = (spec: Record<string, unknown>) => ({ office: { timeZone: 'Europe/Berlin', workingHours: { mon: [['09:00', '17:00']] }, ...spec } });
    const cases: [string, unknown, RegExp][] = [
      ['a negative duration', { rules: [rule({ targets: { firstResponse: '-PT5M' } })] }, /rule "chat-office": targets\.firstResponse "-PT5M" must be longer than zero/],
      ['an unknown calendar', { rules: [rule({ calendar: 'nowhere' })] }, /rule "chat-office" uses calendar "nowhere", which the policy does not define/],
      ['an unknown time zone', { rules: [rule({ calendar: 'office' })], calendars: office({ timeZone: 'Mars/Olympus_Mons' }) }, /Calendar "office" has an unknown time zone "Mars\/Olympus_Mons"/],
      ['a calendar without working hours', { rules: [rule({ calendar: 'office' })], calendars: office({ workingHours: {} }) }, /Calendar "office" has no working hours at all/],
      [
        'a shadowed rule',
        { rules: [{ name: 'everyone', match: {}, targets: { firstResponse: 'PT8M' } }, rule()] },
        /rule "chat-office" can never apply: "everyone" before it match all its tickets and set all its targets/,
      ],
    ];
    for (const [, body, names] of cases) {
      const reply = await harness.request('PUT', '/v1/sla/policy', { token: admin, body });
      expectProblem(reply, 400, names);
      expect((reply.body as Problem).errors?.map((error) => error.message).join('\n')).toMatch(names);
    }
    expectProblem(await harness.request('PUT', '/v1/sla/policy', { token: supervisor, body: SHORT_CHAT_POLICY }), 403);
    expectProblem(await harness.request('PUT', '/v1/sla/policy', { token: agent, body: SHORT_CHAT_POLICY }), 403);
    expect((await harness.request('GET', '/v1/sla/policy', { token: agent })).body).toMatchObject({ version: 1, rules: SHORT_CHAT_POLICY.rules });
    expect(await head()).toBe(before);
  });

  it('7. lists running clocks not yet breached, soonest due first; a bad limit is a 400', async () => {
    const clocks = await atRisk();
    const dues = clocks.map((row) => row.dueAt);
    expect(dues).toEqual([...dues].sort());
    expect(clocks.every((row) => row.secondsToDue === Math.max(0, Math.floor((Date.parse(row.dueAt) - clock.now().getTime()) / SECOND)))).toBe(true);
    // The resumed first response (50 s left) is the soonest; the breached and met ones are not listed.
    expect(clocks[0]).toMatchObject({ ticketId: tickets.paused, target: 'firstResponse', channel: 'chat', secondsToDue: 45, warned: false });
    expect(clocks.filter((row) => row.ticketId === tickets.breached).map((row) => row.target)).toEqual(['resolution']);
    expect(clocks.find((row) => row.ticketId === tickets.metInTime && row.target === 'firstResponse')).toBeUndefined();
    expect(await atRisk('?limit=1')).toEqual([clocks[0]]);
    expect((await atRisk('?target=processingStart')).map((row) => row.ticketId)).not.toContain(tickets.emergency);

    for (const limit of ['0', '501', '2.5', 'ten']) expectProblem(await harness.request('GET', `/v1/sla/at-risk?limit=${limit}`, { token: agent }), 400, /limit/);
    expectProblem(await harness.request('GET', '/v1/sla/at-risk?target=lunch', { token: agent }), 400, /target/);
    expectProblem(await harness.request('GET', '/v1/sla/at-risk', { token: customer }), 403);
  });

  const window = () => `from=${START}&to=${plus(clock.now().toISOString(), MINUTE)}`;

  it('8. reports per channel: breach rates as recorded, first-response times, as CSV too, and under today’s policy with policy=both', async () => {
    const report = await eventually(async () => {
      const reply = await harness.request('GET', `/v1/sla/report?groupBy=channel&${window()}`, { token: supervisor });
      expect(reply.status).toBe(200);
      const body = reply.body as Report;
      const chat = body.groups.find((group) => group.key === 'chat');
      // Every ticket of this file is a chat; the breached ones: test 1's (5 min, long past), 2's and the three witnesses.
      expect(chat).toMatchObject({ tickets: 8, firstResponseSeconds: { count: 2 } });
      expect(chat?.breachRates.then?.firstResponse).toEqual({ clocks: 8, breached: 5, rate: 0.625 });
      return body;
    });
    expect(report).toMatchObject({ groupBy: 'channel', policy: 'then' });
    expect(report.groups.map((group) => group.key)).toEqual(['chat']);
    const [chat] = report.groups;
    expect(chat.breachRates.now).toBeUndefined();
    expect(chat.breachRates.then?.processingStart).toEqual({ clocks: 1, breached: 0, rate: 0 });
    // Answered after 20 s (test 3, in time) and 181 s (test 2, late).
    expect(chat.firstResponseSeconds).toEqual({ count: 2, mean: 100.5, median: 20, p90: 181, p99: 181 });

    const csv = await harness.request('GET', `/v1/sla/report?groupBy=channel&${window()}`, { token: supervisor, headers: { accept: 'text/csv' } });
    expect(csv.status).toBe(200);
    expect(csv.contentType).toMatch(/^text\/csv/);
    const [header, row, ...rest] = (csv.body as string).split('\r\n');
    expect(header.split(',').slice(0, 3)).toEqual(['channel', 'tickets', 'first_response_seconds_count']);
    expect(header).toContain('breach_rate_firstResponse_then');
    expect(row.split(',').slice(0, 3)).toEqual(['chat', '8', '2']);
    expect(rest).toEqual(['']);

    const both = (await harness.request('GET', `/v1/sla/report?groupBy=channel&policy=both&${window()}`, { token: supervisor })).body as Report;
    expect(both.policy).toBe('both');
    expect(both.groups[0].breachRates.then).toEqual(chat.breachRates.then);
    expect(both.groups[0].breachRates.now?.firstResponse).toMatchObject({ clocks: 8 });

    expectProblem(await harness.request('GET', '/v1/sla/report?groupBy=agent', { token: supervisor }), 400, /groupBy/);
    expectProblem(await harness.request('GET', '/v1/sla/report?policy=tomorrow', { token: supervisor }), 400, /policy/);
    expectProblem(await harness.request('GET', '/v1/sla/report', { token: agent }), 403);
  });

  it('9. replays the tickets under a stricter candidate: more breaches than recorded, the changed tickets listed, nothing written; an invalid candidate is a 400', async () => {
    const candidate = { rules: [{ name: 'one-second', match: {}, targets: { firstResponse: 'PT1S' } }] };
    const [from, to] = [START, plus(clock.now().toISOString(), MINUTE)];
    const whatIf = () => harness.request('POST', '/v1/sla/what-if', { token: supervisor, body: { policy: candidate, from, to } });
    const before = await head();
    const reply = await whatIf();
    expect(reply.status).toBe(200);
    const result = reply.body as WhatIf;
    expect(result.tickets).toBe(8);
    expect(result.recorded.firstResponse).toEqual({ clocks: 8, breached: 5, rate: 0.625 });
    expect(result.candidate.firstResponse).toEqual({ clocks: 8, breached: 8, rate: 1 });
    expect(result.candidate.firstResponse.breached).toBeGreaterThan(result.recorded.firstResponse.breached);
    // The candidate sets no resolution target: recorded resolution clocks were never breached, so nothing changes there.
    expect(result.changes).toEqual(
      expect.arrayContaining([
        { ticketId: tickets.metInTime, target: 'firstResponse', recorded: 'met', candidate: 'breached' },
        { ticketId: tickets.paused, target: 'firstResponse', recorded: 'met', candidate: 'breached' },
        { ticketId: tickets.emergency, target: 'firstResponse', recorded: 'met', candidate: 'breached' },
      ]),
    );
    expect(result.changedTickets).toBe(3);
    expect(await head()).toBe(before);
    expect((await whatIf()).body).toEqual(result);

    expectProblem(await harness.request('POST', '/v1/sla/what-if', { token: supervisor, body: { policy: { rules: [{ name: 'zero', match: {}, targets: { firstResponse: 'PT0S' } }] } } }), 400, /rule "zero"/);
    expectProblem(await harness.request('POST', '/v1/sla/what-if', { token: agent, body: { policy: candidate } }), 403);
    expect(await head()).toBe(before);
  });

  it('10. tells ops there is no surge, with the current inflow rate', async () => {
    const reply = await harness.request('GET', '/v1/sla/surge', { token: ops });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ inSurge: false, ratePerHour: expect.any(Number) });
    expect((reply.body as { ratePerHour: number }).ratePerHour).toBeGreaterThanOrEqual(0);
    expect(reply.body).not.toHaveProperty('since');
  });

  it('11. tells first-contact resolution per ticket: null until resolved, true when resolved without a transfer, false after one', async () => {
    const direct = await openTimed();
    const moved = await openTimed();
    expect((await sla(direct.id)).firstContactResolution).toBeNull();
    const transfer = await harness.request('POST', `/v1/routing/tickets/${moved.id}/transfer`, { token: supervisor, body: { toQueue: 'triage', reason: 'needs a second look' } });
    expect(transfer.status).toBe(200);
    for (const ticket of [direct, moved]) expect((await post(ticket.id, 'resolve', agent, { resolutionCode: 'answered' })).status).toBe(200);
    await slaUntil(direct.id, (view) => expect(view.firstContactResolution).toBe(true));
    await slaUntil(moved.id, (view) => expect(view.firstContactResolution).toBe(false));
    const overGrpc = await grpc.call<{ firstContactResolution?: boolean }>('GetTicketSla', { ticketId: direct.id }, agent);
    expect(overGrpc.firstContactResolution).toBe(true);
  });

  it('12. answers the same over gRPC SlaService: a ticket’s clocks, the policy, a refused rule, clocks at risk, and the roles', async () => {
    type GrpcClock = { target: string; duration: string; policyVersion: number; rule: string; state: string; dueAt: Timestamp | null; breachedAt: Timestamp | null; metAt: Timestamp | null };
    const view = await grpc.call<{ ticketId: string; priority: string; category: string; clocks: GrpcClock[] }>('GetTicketSla', { ticketId: tickets.breached }, agent);
    const rest = await sla(tickets.breached);
    // The breach escalated it in routing (normal → high), and SLA chose the policy again for the new priority (version 1 has no rule for high: the catch-all's resolution).
    expect(view).toMatchObject({ ticketId: tickets.breached, priority: 'high', category: rest.category });
    expect(view.clocks.map((one) => [one.target, one.duration, one.policyVersion, one.rule, one.state])).toEqual([
      ['firstResponse', 'PT1M', 1, 'live-chat-fast', 'breached'],
      ['resolution', 'PT72H', 1, 'all-channels', 'running'],
    ]);
    const firstResponse = clockOf(rest, 'firstResponse');
    expect([toIso(view.clocks[0].breachedAt!), toIso(view.clocks[0].metAt!), toIso(view.clocks[0].dueAt!)]).toEqual([firstResponse.breachedAt, firstResponse.metAt, firstResponse.dueAt]);
    const metInTime = await grpc.call<{ clocks: GrpcClock[] }>('GetTicketSla', { ticketId: tickets.metInTime }, ops);
    expect(metInTime.clocks.map((one) => one.state)).toEqual(['met', 'running']);

    const policy = await grpc.call<{ version: number; rules: { name: string; match: Record<string, string[]>; targets: Record<string, string> }[] }>('GetSlaPolicy', {}, supervisor);
    expect(policy.version).toBe(1);
    expect(policy.rules.map((rule) => rule.name)).toEqual(SHORT_CHAT_POLICY.rules.map((rule) => rule.name));
    expect(policy.rules[2]).toMatchObject({ match: { channel: ['chat'] }, targets: { firstResponse: 'PT1M', nextResponse: 'PT5M' } });

    const before = await head();
    const shadowed = { rules: [{ name: 'everyone', match: {}, targets: { firstResponse: 'PT8M' } }, { name: 'chat-only', match: { channel: ['chat'] }, targets: { firstResponse: 'PT5M' } }] };
    const refused = await grpc.error('PutSlaPolicy', shadowed, admin);
    expect(refused.code).toBe(status.INVALID_ARGUMENT);
    expect(refused.details).toMatch(/rule "chat-only" can never apply/);
    expect(await head()).toBe(before);

    const overGrpc = await grpc.call<{ clocks: { ticketId: string; target: string; dueAt: Timestamp; secondsToDue: string }[] }>('ListSlaAtRisk', { limit: 3 }, ops);
    const overRest = await atRisk('?limit=3');
    expect(overGrpc.clocks.map((one) => [one.ticketId, one.target, toIso(one.dueAt), Number(one.secondsToDue)])).toEqual(overRest.map((one) => [one.ticketId, one.target, one.dueAt, one.secondsToDue]));

    expect((await grpc.error('GetTicketSla', { ticketId: tickets.breached })).code).toBe(status.UNAUTHENTICATED);
    expect((await grpc.error('GetTicketSla', { ticketId: tickets.breached }, customer)).code).toBe(status.PERMISSION_DENIED);
    expect((await grpc.error('GetSlaPolicy', {}, customer)).code).toBe(status.PERMISSION_DENIED);
    expect((await grpc.error('PutSlaPolicy', { rules: [{ name: 'everyone', match: {}, targets: { firstResponse: 'PT8M' } }] }, supervisor)).code).toBe(status.PERMISSION_DENIED);
    expect((await grpc.error('GetTicketSla', { ticketId: newId() }, agent)).code).toBe(status.NOT_FOUND);
    expect((await grpc.error('GetTicketSla', { ticketId: 'nope' }, agent)).code).toBe(status.INVALID_ARGUMENT);
  });
});
