import { ManualClock, NotFoundError, deterministicId, newId, type Event } from '@ticketing/kernel';
import { upcastPublicEvent, type TicketAssignedToAgent, type TicketReleasedFromAgent } from '@ticketing/contracts';
import { MemoryEventStore, type RecordedEvent } from '@ticketing/event-store';
import { evolveTicket, initialTicketState, type TicketState } from '@ticketing/intake-domain';
import type { BusEvent } from '@ticketing/messaging';
import { AssignmentsConsumer } from './assignments.consumer';

const OPENED_AT = '2026-11-25T10:00:00.000Z';

async function append(store: MemoryEventStore, streamName: string, ticketId: string, event: Event): Promise<RecordedEvent> {
  await store.append(
    streamName,
    [
      {
        id: newId(),
        type: event.type,
        schemaVersion: event.schemaVersion,
        data: event.data as Record<string, unknown>,
        metadata: { ticketId, correlationId: `corr-${ticketId}`, causationId: 'cause', actor: { kind: 'system', id: 'test' }, occurredAt: OPENED_AT },
      },
    ],
    { expectedRevision: 'any' },
  );
  let last: RecordedEvent | undefined;
  for await (const recorded of store.readStream(streamName)) last = recorded;
  return last!;
}

async function openTicket(store: MemoryEventStore): Promise<string> {
  const ticketId = newId();
  await append(store, `ticket-${ticketId}`, ticketId, {
    type: 'TicketOpened',
    schemaVersion: 1,
    data: { ticketId, customerId: 'c-1', channel: 'chat', subject: 's', body: 'my withdrawal is stuck', language: 'en', openedAt: OPENED_AT },
  });
  return ticketId;
}

/** Routing's event on its own stream, as the bus hands it over. */
async function assigned(store: MemoryEventStore, ticketId: string, agentId: string, assignedAt: string): Promise<BusEvent<TicketAssignedToAgent>> {
  const data: TicketAssignedToAgent['data'] = { ticketId, agentId, queue: 'withdrawals-en', rule: 'auto', reason: 'least_loaded', by: 'routing', assignedAt };
  return upcastPublicEvent(await append(store, `routing-${ticketId}`, ticketId, { type: 'TicketAssignedToAgent', schemaVersion: 1, data })) as BusEvent<TicketAssignedToAgent>;
}

async function released(
  store: MemoryEventStore,
  ticketId: string,
  agentId: string,
  releasedAt: string,
  reason: TicketReleasedFromAgent['data']['reason'] = 'agent_unavailable',
): Promise<BusEvent<TicketReleasedFromAgent>> {
  const data: TicketReleasedFromAgent['data'] = { ticketId, agentId, queue: 'withdrawals-en', reason, by: 'routing', releasedAt };
  return upcastPublicEvent(await append(store, `routing-${ticketId}`, ticketId, { type: 'TicketReleasedFromAgent', schemaVersion: 1, data })) as BusEvent<TicketReleasedFromAgent>;
}

async function ticketStream(store: MemoryEventStore, ticketId: string): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const event of store.readStream(`ticket-${ticketId}`)) events.push(event);
  return events;
}

const stateOf = (events: readonly RecordedEvent[]): TicketState => events.reduce<TicketState>(evolveTicket, initialTicketState());

describe('AssignmentsConsumer', () => {
  const clock = new ManualClock('2026-11-25T10:05:00.000Z');
  let store: MemoryEventStore;
  let consumer: AssignmentsConsumer;

  beforeEach(() => {
    store = new MemoryEventStore({ clock });
    consumer = new AssignmentsConsumer(store, clock);
  });

  afterEach(() => store.close());

  it("assigns the ticket to routing's agent, caused by routing's event", async () => {
    const ticketId = await openTicket(store);
    const assignment = await assigned(store, ticketId, 'a-1', '2026-11-25T10:01:00.000Z');
    await consumer.assign(assignment);
    const [, event, ...rest] = await ticketStream(store, ticketId);
    expect(rest).toEqual([]);
    expect(event).toMatchObject({
      // Derived from the causing event: whichever delivery appends it, it is the same event.
      id: deterministicId(`${assignment.id}:TicketAssigned:0`),
      type: 'TicketAssigned',
      data: { ticketId, assignee: 'a-1', assignedAt: '2026-11-25T10:01:00.000Z' },
      metadata: { ticketId, causationId: assignment.id, correlationId: `corr-${ticketId}`, actor: { kind: 'system', id: 'routing' }, occurredAt: '2026-11-25T10:05:00.000Z' },
    });
    expect(stateOf(await ticketStream(store, ticketId))).toMatchObject({ status: 'assigned', assignee: 'a-1' });
  });

  it('appends once when the same assignment is delivered twice, one after the other or at once', async () => {
    const ticketId = await openTicket(store);
    const assignment = await assigned(store, ticketId, 'a-1', '2026-11-25T10:01:00.000Z');
    await consumer.assign(assignment);
    await consumer.assign(assignment);
    const others = Array.from({ length: 6 }, () => new AssignmentsConsumer(store, clock));
    const again = await assigned(store, await openTicket(store), 'a-2', '2026-11-25T10:02:00.000Z');
    await Promise.all(others.map((other) => other.assign(again)));
    expect((await ticketStream(store, ticketId)).map((event) => event.type)).toEqual(['TicketOpened', 'TicketAssigned']);
    expect((await ticketStream(store, again.data.ticketId)).map((event) => event.type)).toEqual(['TicketOpened', 'TicketAssigned']);
  });

  it('takes the assignee off on a release: an assigned ticket is open again', async () => {
    const ticketId = await openTicket(store);
    await consumer.assign(await assigned(store, ticketId, 'a-1', '2026-11-25T10:01:00.000Z'));
    const release = await released(store, ticketId, 'a-1', '2026-11-25T10:03:00.000Z');
    await consumer.release(release);
    const events = await ticketStream(store, ticketId);
    expect(events.at(-1)).toMatchObject({
      type: 'TicketUnassigned',
      data: { ticketId, previousAssignee: 'a-1', reason: 'agent_unavailable', at: '2026-11-25T10:03:00.000Z' },
      metadata: { causationId: release.id, actor: { kind: 'system', id: 'routing' } },
    });
    expect(stateOf(events)).toMatchObject({ status: 'open', assignee: null });
  });

  it('changes nothing when an assignment is delivered again after the release that followed it', async () => {
    const ticketId = await openTicket(store);
    const assignment = await assigned(store, ticketId, 'a-1', '2026-11-25T10:01:00.000Z');
    await consumer.assign(assignment);
    await consumer.release(await released(store, ticketId, 'a-1', '2026-11-25T10:03:00.000Z'));
    await consumer.assign(assignment);
    const events = await ticketStream(store, ticketId);
    expect(events.map((event) => event.type)).toEqual(['TicketOpened', 'TicketAssigned', 'TicketUnassigned']);
    expect(stateOf(events)).toMatchObject({ status: 'open', assignee: null });
  });

  it('changes nothing on a release of the previous assignee after a reassignment', async () => {
    const ticketId = await openTicket(store);
    await consumer.assign(await assigned(store, ticketId, 'a-1', '2026-11-25T10:01:00.000Z'));
    await consumer.assign(await assigned(store, ticketId, 'a-2', '2026-11-25T10:02:00.000Z'));
    await consumer.release(await released(store, ticketId, 'a-1', '2026-11-25T10:03:00.000Z', 'transferred'));
    const events = await ticketStream(store, ticketId);
    expect(events.map((event) => event.type)).toEqual(['TicketOpened', 'TicketAssigned', 'TicketAssigned']);
    expect(stateOf(events)).toMatchObject({ status: 'assigned', assignee: 'a-2' });
  });

  it('changes nothing on an assignment that arrives after the ticket was resolved', async () => {
    const ticketId = await openTicket(store);
    await append(store, `ticket-${ticketId}`, ticketId, {
      type: 'TicketResolved',
      schemaVersion: 1,
      data: { ticketId, resolutionCode: 'answered', by: 'a-9', resolvedAt: '2026-11-25T10:02:00.000Z', autoCloseAt: '2026-11-28T10:02:00.000Z' },
    });
    await expect(consumer.assign(await assigned(store, ticketId, 'a-1', '2026-11-25T10:01:00.000Z'))).resolves.toBeUndefined();
    const events = await ticketStream(store, ticketId);
    expect(events.map((event) => event.type)).toEqual(['TicketOpened', 'TicketResolved']);
    expect(stateOf(events)).toMatchObject({ status: 'resolved', assignee: null });
  });

  it("ignores routing's release of a finished ticket's agent", async () => {
    const ticketId = await openTicket(store);
    await consumer.assign(await assigned(store, ticketId, 'a-1', '2026-11-25T10:01:00.000Z'));
    await consumer.release(await released(store, ticketId, 'a-1', '2026-11-25T10:03:00.000Z', 'finished'));
    expect((await ticketStream(store, ticketId)).map((event) => event.type)).toEqual(['TicketOpened', 'TicketAssigned']);
  });

  it('fails with NotFoundError for a ticket that does not exist, appending nothing: the bus parks the event after its retries', async () => {
    const ticketId = newId();
    await expect(consumer.assign(await assigned(store, ticketId, 'a-1', '2026-11-25T10:01:00.000Z'))).rejects.toBeInstanceOf(NotFoundError);
    await expect(consumer.release(await released(store, ticketId, 'a-1', '2026-11-25T10:03:00.000Z'))).rejects.toBeInstanceOf(NotFoundError);
    expect(await ticketStream(store, ticketId)).toEqual([]);
  });
});
