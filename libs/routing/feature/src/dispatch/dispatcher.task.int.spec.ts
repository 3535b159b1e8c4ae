import { afterEach, beforeEach, expect, it } from '@jest/globals';
import { routingStreams, type AgentProfile, type Category, type Channel, type Language, type RoutingTicketEvent } from '@ticketing/contracts';
import { MemoryEventStore } from '@ticketing/event-store';
import { foldEvents, ManualClock, newId, systemActor } from '@ticketing/kernel';
import { BackgroundTasks } from '@ticketing/platform';
import { openReadStore, ProjectionRunner, type ReadStore } from '@ticketing/read-store';
import { describeEachReadStore, type ReadStoreLocation } from '@ticketing/read-store/testing';
import { DEFAULT_ROUTING_RULES, routingDecider, type RoutingRules } from '@ticketing/routing-domain';
import { AgentCommandsService } from '../agents/agent-commands.service';
import { routingAgentsProjection } from '../agents/routing-agents.projection';
import { routingBoardProjection } from '../queues/routing-board.projection';
import { AssignmentService } from './assignment.service';
import { Dispatcher } from './dispatcher.task';

const T0 = '2026-12-07T09:00:00.000Z';
const supervisor = { kind: 'supervisor', id: 'sup-1' } as const;
const profile = (overrides: Partial<AgentProfile> = {}): AgentProfile => ({
  displayName: 'Agent',
  languages: ['en'],
  skills: ['general_inquiry', 'trading_issue'],
  clearances: [],
  capacity: { chat: 2 },
  timeZone: null,
  shifts: [],
  ...overrides,
});

// The dispatcher plans on the read models and commits through the streams (automatic assignment).
describeEachReadStore('the dispatcher', (target) => {
  let location: ReadStoreLocation;
  let eventStore: MemoryEventStore;
  let readStore: ReadStore;
  let runner: ProjectionRunner;
  let clock: ManualClock;
  let agents: AgentCommandsService;
  let assignments: AssignmentService;
  let rules: RoutingRules;

  beforeEach(async () => {
    location = await target.create();
    eventStore = new MemoryEventStore();
    readStore = await openReadStore(location.url);
    runner = new ProjectionRunner({ readStore, eventStore, projections: [routingBoardProjection, routingAgentsProjection] });
    await runner.start();
    clock = new ManualClock(T0);
    rules = DEFAULT_ROUTING_RULES;
    agents = new AgentCommandsService(eventStore, clock);
    assignments = new AssignmentService(eventStore, rules, agents);
  });

  afterEach(async () => {
    await runner.stop();
    await readStore.close();
    await eventStore.close();
    await location.dispose();
  });

  const dispatcher = (withRules: RoutingRules = rules) => new Dispatcher(readStore, clock, withRules, new AssignmentService(eventStore, withRules, agents), new BackgroundTasks(), agents);
  const settle = async () => runner.waitFor(await eventStore.headPosition());

  async function queueTicket(channel: Channel, category: Category, language: Language = 'en', confidence = 0.9): Promise<string> {
    const ticketId = newId();
    const now = clock.now().toISOString();
    await assignments.run(
      { type: 'ClassifyTicket', data: { ticketId, channel, language, prediction: { category, confidence, modelVersion: 'test' }, assetAmountAboveThreshold: false, rules, now } },
      systemActor('routing'),
    );
    clock.advance(1_000);
    return ticketId;
  }

  async function agent(agentId: string, overrides: Partial<AgentProfile> = {}, online = true): Promise<void> {
    await agents.saveProfile(agentId, profile(overrides), supervisor);
    if (online) await agents.setAvailability(agentId, 'online', supervisor);
  }

  async function holderOf(ticketId: string): Promise<string | null> {
    const events: RoutingTicketEvent[] = [];
    for await (const recorded of eventStore.readStream(routingStreams.ticket(ticketId))) events.push(recorded as unknown as RoutingTicketEvent);
    const state = foldEvents(routingDecider, events);
    return state.status === 'unrouted' ? null : state.holder;
  }

  it('assigns waiting tickets to eligible online agents, least loaded first, never over capacity', async () => {
    await agent('a-1');
    await agent('a-2');
    await agent('off-1', {}, false);
    const tickets = [];
    for (let index = 0; index < 5; index++) tickets.push(await queueTicket('chat', 'general_inquiry'));
    await settle();
    const round = await dispatcher().dispatchOnce();
    expect(round).toMatchObject({ planned: 4, assigned: 4, lost: 0 });
    const holders = await Promise.all(tickets.map(holderOf));
    // Oldest first, alternating between the two agents (least loaded, then longest idle, then id).
    expect(holders).toEqual(['a-1', 'a-2', 'a-1', 'a-2', null]);
    expect(Object.keys((await agents.state('a-1')).held)).toHaveLength(2);
    await settle();
    expect(await dispatcher().dispatchOnce()).toMatchObject({ planned: 0, assigned: 0 });
  });

  it('takes emergencies first, to agents with the clearance of their queue, and the language and skill of the ticket', async () => {
    await agent('general-en', { skills: ['general_inquiry'], capacity: { chat: 1 } });
    await agent('security-en', { skills: ['security_incident', 'general_inquiry'], clearances: ['security'], capacity: { chat: 1 } });
    await agent('general-ko', { languages: ['ko'], capacity: { chat: 1 } });
    const question = await queueTicket('chat', 'general_inquiry');
    const hacked = await queueTicket('chat', 'security_incident');
    const korean = await queueTicket('chat', 'general_inquiry', 'ko');
    await settle();
    await dispatcher().dispatchOnce();
    expect(await holderOf(hacked)).toBe('security-en');
    expect(await holderOf(question)).toBe('general-en');
    expect(await holderOf(korean)).toBe('general-ko');
  });

  it('in peak mode keeps agents cleared for security for emergencies', async () => {
    await agent('security-en', { skills: ['general_inquiry', 'security_incident'], clearances: ['security'], capacity: { chat: 3 } });
    const question = await queueTicket('chat', 'general_inquiry');
    await eventStore.append(
      'sla-surge',
      [{ id: newId(), type: 'SurgeStarted', schemaVersion: 1, data: { factor: 6, baselinePerHour: 100, ratePerHour: 600, startedAt: T0 }, metadata: { correlationId: 'c', causationId: 'c', actor: systemActor('sla-surge'), occurredAt: T0 } }],
      { expectedRevision: 'any' },
    );
    await settle();
    expect(await dispatcher().dispatchOnce()).toMatchObject({ planned: 0 });
    expect(await holderOf(question)).toBeNull();
    const hacked = await queueTicket('chat', 'security_incident');
    await settle();
    await dispatcher().dispatchOnce();
    expect(await holderOf(hacked)).toBe('security-en');
  });

  it('gives back a reservation an assignment left half-way (a process stopped between its two appends), once it is older than a minute', async () => {
    await agent('a-1', { capacity: { chat: 1 } });
    const stranded = await queueTicket('chat', 'general_inquiry');
    // Capacity reserved, the ticket never held: the process stopped before its second append.
    await agents.run({ type: 'TakeTicket', data: { agentId: 'a-1', ticketId: stranded, channel: 'chat', capacityDefaults: rules.dispatch.capacityDefaults, requireOnline: true, now: clock.now().toISOString(), reservationId: newId() } }, supervisor);
    const waiting = await queueTicket('chat', 'general_inquiry');
    await settle();
    const sweeper = dispatcher();
    expect(await sweeper.dispatchOnce()).toMatchObject({ assigned: 0 });
    expect((await agents.state('a-1')).held).toEqual({ [stranded]: 'chat' });
    clock.advance(2 * 60_000);
    await sweeper.dispatchOnce();
    await settle();
    await sweeper.dispatchOnce();
    // The stranded reservation is back, and the agent takes the waiting tickets (oldest first) with it.
    expect(await holderOf(stranded)).toBe('a-1');
    expect(await holderOf(waiting)).toBeNull();
  });

  it('gives back the tickets of an agent offline past the grace period, not before, and keeps them when configured to', async () => {
    await agent('a-1');
    const ticketId = await queueTicket('chat', 'general_inquiry');
    await settle();
    await dispatcher().dispatchOnce();
    expect(await holderOf(ticketId)).toBe('a-1');
    await agents.setAvailability('a-1', 'offline', supervisor);
    await settle();
    const keeping = dispatcher({ ...rules, dispatch: { ...rules.dispatch, whenUnavailable: { mode: 'keep' } } });
    clock.advance(60 * 60_000);
    expect(await keeping.dispatchOnce()).toMatchObject({ released: 0 });
    const requeueing = dispatcher({ ...rules, dispatch: { ...rules.dispatch, whenUnavailable: { mode: 'requeue', graceMs: 2 * 60 * 60_000 } } });
    expect(await requeueing.dispatchOnce()).toMatchObject({ released: 0 });
    clock.advance(60 * 60_000);
    expect(await requeueing.dispatchOnce()).toMatchObject({ released: 1 });
    expect(await holderOf(ticketId)).toBeNull();
    expect(Object.keys((await agents.state('a-1')).held)).toEqual([]);
  });
});
