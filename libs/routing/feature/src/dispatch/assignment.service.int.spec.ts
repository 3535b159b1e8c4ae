import { routingStreams, type RoutingTicketEvent } from '@ticketing/contracts';
import { MemoryEventStore } from '@ticketing/event-store';
import { foldEvents, ManualClock, newId, systemActor } from '@ticketing/kernel';
import { DEFAULT_ROUTING_RULES, routingDecider } from '@ticketing/routing-domain';
import { AgentCommandsService } from '../agents/agent-commands.service';
import { AssignmentService } from './assignment.service';

const supervisor = { kind: 'supervisor', id: 'sup-1' } as const;

describe('AssignmentService: reservations with ids', () => {
  let eventStore: MemoryEventStore;
  let agents: AgentCommandsService;
  let assignments: AssignmentService;
  let ticketId: string;

  beforeEach(async () => {
    eventStore = new MemoryEventStore();
    const clock = new ManualClock('2026-12-07T09:00:00.000Z');
    agents = new AgentCommandsService(eventStore, clock);
    assignments = new AssignmentService(eventStore, DEFAULT_ROUTING_RULES, agents);
    await agents.saveProfile('ana', { displayName: 'Ana', languages: ['en'], skills: ['general_inquiry'], clearances: [], capacity: { chat: 1 }, timeZone: null, shifts: [] }, supervisor);
    await agents.setAvailability('ana', 'online', supervisor);
    ticketId = newId();
    await assignments.run(
      {
        type: 'ClassifyTicket',
        data: { ticketId, channel: 'chat', language: 'en', prediction: { category: 'general_inquiry', confidence: 0.9, modelVersion: 'm' }, assetAmountAboveThreshold: false, rules: DEFAULT_ROUTING_RULES, now: clock.now().toISOString() },
      },
      systemActor('routing'),
    );
  });

  afterEach(async () => {
    await eventStore.close();
  });

  async function releasedEvent(): Promise<RoutingTicketEvent & { type: 'TicketReleasedFromAgent' }> {
    const events: RoutingTicketEvent[] = [];
    for await (const recorded of eventStore.readStream(routingStreams.ticket(ticketId))) events.push(recorded as unknown as RoutingTicketEvent);
    return events.filter((event) => event.type === 'TicketReleasedFromAgent').pop() as RoutingTicketEvent & { type: 'TicketReleasedFromAgent' };
  }

  it('a release given back late (its consumer behind) leaves the reservation of the agent’s next holding of the same ticket alone', async () => {
    await assignments.assign(ticketId, 'ana', { rule: 'auto', reason: 'first', actor: supervisor, requireOnline: true });
    // The release is decided on the ticket's stream; the capacity it frees is still on its way (the dispatch consumer).
    await assignments.run({ type: 'ReleaseFromAgent', data: { ticketId, agentId: 'ana', reason: 'released', by: 'ana', now: agents.now() } }, supervisor);
    const firstRelease = await releasedEvent();
    expect(firstRelease.data.reservationId).toEqual(expect.any(String));
    // Ana takes it again before that: her reservation of the ticket is a new one.
    await assignments.assign(ticketId, 'ana', { rule: 'claim', reason: 'again', actor: supervisor, requireOnline: false });
    // Now the late release frees capacity: not the new holding's.
    await assignments.dropCapacity('ana', ticketId, 'released', supervisor, undefined, firstRelease.data.reservationId);
    const ana = await agents.state('ana');
    expect(Object.keys(ana.held)).toEqual([ticketId]);
    const events: RoutingTicketEvent[] = [];
    for await (const recorded of eventStore.readStream(routingStreams.ticket(ticketId))) events.push(recorded as unknown as RoutingTicketEvent);
    const routing = foldEvents(routingDecider, events);
    expect(routing.status !== 'unrouted' && routing.holderReservation).toBe(ana.reservations[ticketId]?.id);
    // Full at capacity 1: another chat ticket cannot be reserved for her.
    await expect(agents.run({ type: 'TakeTicket', data: { agentId: 'ana', ticketId: newId(), channel: 'chat', capacityDefaults: DEFAULT_ROUTING_RULES.dispatch.capacityDefaults, requireOnline: true, now: agents.now() } }, supervisor)).rejects.toThrow('its limit is 1');
  });

  it('the holding’s own release gives its reservation back', async () => {
    await assignments.assign(ticketId, 'ana', { rule: 'auto', reason: 'first', actor: supervisor, requireOnline: true });
    await assignments.release(ticketId, 'ana', 'released', supervisor);
    expect((await agents.state('ana')).held).toEqual({});
  });
});
