import { afterEach, beforeEach, expect, it } from '@jest/globals';
import type { Kysely } from 'kysely';
import type { AgentReplied, RoutingEvent, TicketAssigned, TicketOpened, TicketResolved } from '@ticketing/contracts';
import { MemoryEventStore, type NewEvent } from '@ticketing/event-store';
import { type Event, newId } from '@ticketing/kernel';
import type { AuthenticatedActor } from '@ticketing/platform';
import { openReadStore, ProjectionRunner, type ReadStore } from '@ticketing/read-store';
import { describeEachReadStore, type ReadStoreLocation } from '@ticketing/read-store/testing';
import { ticketListProjection, type TicketListTables } from './ticket-list.projection';
import { TicketListQuery } from './ticket-list.query';

const AGENT: AuthenticatedActor = { kind: 'agent', id: 'a-1', sub: 'a-1', roles: ['agent'] };
// UUIDv7-shaped ids, as the query's cursor expects; their order is their creation order.
const ticketIds = ['0190b5a0-0000-7000-8000-000000000001', '0190b5a0-0000-7000-8000-000000000002', '0190b5a0-0000-7000-8000-000000000003'];

const opened = (ticketId: string, customerId: string, channel: 'chat' | 'email', openedAt: string): TicketOpened => ({
  type: 'TicketOpened',
  schemaVersion: 3,
  data: {
    ticketId,
    customerId,
    channel,
    channelDetails:
      channel === 'email'
        ? { channel: 'email', fromAddress: 'c@example.com', messageId: `<${ticketId}@mail.example.com>` }
        : { channel: 'chat', sessionId: `s-${ticketId}` },
    subject: `Withdrawal stuck ${ticketId.slice(-1)}`,
    subjectDerived: false,
    body: 'My USDT withdrawal on TRC20 has been pending for 3 hours — ¿dónde está? 出金',
    language: 'en',
    languageGiven: null,
    detectedLanguage: 'en',
    languageFallback: false,
    assetContext: { asset: 'USDT', network: 'TRC20', amount: '500.25' },
    linkedFromTicketId: null,
    openedAt,
  },
});

async function append(store: MemoryEventStore, streamName: string, event: Event): Promise<number> {
  const recorded: NewEvent = {
    // A UUID, as in production: PostgreSQL enforces intake_messages.id's varchar(64), SQLite does not.
    id: newId(),
    type: event.type,
    schemaVersion: event.schemaVersion,
    data: event.data as NewEvent['data'],
    metadata: {
      ticketId: streamName.replace(/^(ticket|routing)-/, ''),
      correlationId: 'c',
      causationId: 'c',
      actor: { kind: 'system', id: 'test' },
      occurredAt: '2026-03-02T09:00:00.000Z',
    },
  };
  return (await store.append(streamName, [recorded], { expectedRevision: 'any' })).lastGlobalPosition;
}

// The read model intake serves its lists from must build the same on every read store it can be given.
describeEachReadStore('intake-ticket-list projection', (target) => {
  let location: ReadStoreLocation;
  let eventStore: MemoryEventStore;
  let readStore: ReadStore;
  let runner: ProjectionRunner;

  beforeEach(async () => {
    location = await target.create();
    eventStore = new MemoryEventStore();
    readStore = await openReadStore(location.url);
    runner = new ProjectionRunner({ readStore, eventStore, projections: [ticketListProjection] });
  });

  afterEach(async () => {
    await runner.stop();
    await readStore.close();
    await eventStore.close();
    await location.dispose();
  });

  it('migrates, applies intake and routing events, and serves the list and the conversation', async () => {
    const [first, second, third] = ticketIds;
    await append(eventStore, `ticket-${first}`, opened(first, 'c-1', 'email', '2026-03-02T09:00:00.000Z'));
    await append(eventStore, `ticket-${second}`, opened(second, 'c-2', 'chat', '2026-03-02T09:05:00.000Z'));
    const queued: RoutingEvent = {
      type: 'TicketQueued',
      schemaVersion: 1,
      data: { ticketId: first, queue: 'withdrawals-en', rule: 'asset-withdrawal', queuedAt: '2026-03-02T09:00:01.000Z' },
    };
    await append(eventStore, `routing-${first}`, queued);
    await runner.start();
    const assigned: TicketAssigned = {
      type: 'TicketAssigned',
      schemaVersion: 1,
      data: { ticketId: first, assignee: 'a-1', assignedAt: '2026-03-02T09:10:00.000Z' },
    };
    const replied: AgentReplied = {
      type: 'AgentReplied',
      schemaVersion: 1,
      data: { ticketId: first, messageId: 'm-2', agentId: 'a-1', body: 'Looking into it', postedAt: '2026-03-02T09:11:00.000Z' },
    };
    const resolved: TicketResolved = {
      type: 'TicketResolved',
      schemaVersion: 1,
      data: {
        ticketId: second,
        resolutionCode: 'answered',
        by: 'a-1',
        resolvedAt: '2026-03-02T09:20:00.000Z',
        autoCloseAt: '2026-03-05T09:20:00.000Z',
      },
    };
    await append(eventStore, `ticket-${first}`, assigned);
    await append(eventStore, `ticket-${first}`, replied);
    await append(eventStore, `ticket-${second}`, resolved);
    const head = await append(eventStore, `ticket-${third}`, opened(third, 'c-1', 'chat', '2026-03-02T09:30:00.000Z'));
    await runner.waitFor(head);

    const db = readStore.db as Kysely<TicketListTables>;
    const messages = await db.selectFrom('intake_messages').selectAll().where('ticket_id', '=', first).orderBy('position').execute();
    expect(messages.map(({ kind, body, position }) => ({ kind, body, position }))).toEqual([
      { kind: 'customer', body: 'My USDT withdrawal on TRC20 has been pending for 3 hours — ¿dónde está? 出金', position: 1 },
      { kind: 'agent', body: 'Looking into it', position: 5 },
    ]);
    expect(await db.selectFrom('intake_email_threads').selectAll().execute()).toEqual([
      { message_id: `<${first}@mail.example.com>`, ticket_id: first },
    ]);

    const query = new TicketListQuery(readStore);
    const page = await query.list({ limit: 2 }, AGENT);
    expect(page.items.map((ticket) => [ticket.id, ticket.status, ticket.queue, ticket.assignee])).toEqual([
      [third, 'open', null, null],
      [second, 'resolved', null, null],
    ]);
    expect(page.nextCursor).not.toBeNull();
    const rest = await query.list({ limit: 2, cursor: page.nextCursor ?? undefined }, AGENT);
    expect(rest).toEqual({ items: [expect.objectContaining({ id: first }) as unknown], nextCursor: null });
    expect(rest.items[0]).toMatchObject({
      status: 'assigned',
      queue: 'withdrawals-en',
      assignee: 'a-1',
      languageFallback: false,
      channelDetails: { channel: 'email', messageId: `<${first}@mail.example.com>` },
      assetContext: { amount: '500.25' },
      messageCounts: { customer: 1, agent: 1, notes: 0 },
    });
    expect(await query.list({ limit: 10, customerId: 'c-1', status: 'open' }, AGENT)).toMatchObject({ items: [{ id: third }] });
    expect(await query.dueForAutoClose('2026-03-06T00:00:00.000Z', 10)).toEqual([second]);

    // Rebuilt from the log, the rows come out the same.
    const before = await db.selectFrom('intake_tickets').selectAll().orderBy('id').execute();
    await runner.rebuild(ticketListProjection.name);
    expect(await db.selectFrom('intake_tickets').selectAll().orderBy('id').execute()).toEqual(before);
  });
});
