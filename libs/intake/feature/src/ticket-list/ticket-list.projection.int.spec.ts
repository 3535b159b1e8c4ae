import { afterEach, beforeEach, expect, it } from '@jest/globals';
import type { Kysely } from 'kysely';
import type { AgentReplied, RoutingEvent, TicketAssigned, TicketOpened, TicketResolved } from '@ticketing/contracts';
import { MemoryEventStore, type NewEvent } from '@ticketing/event-store';
import { type Event, newId } from '@ticketing/kernel';
import type { AuthenticatedActor } from '@ticketing/platform';
import { openReadStore, ProjectionRunner, type ReadStore } from '@ticketing/read-store';
import { describeEachReadStore, type ReadStoreLocation } from '@ticketing/read-store/testing';
import { ticketListProjection, type TicketListTables, type TicketRow } from './ticket-list.projection';
import { TicketListQuery, toTicketResponse } from './ticket-list.query';
import { evolveTicketRow } from './ticket-row.evolve';

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

  // WatchTicket replays history with this fold: it must give, after every event, what the projection stores.
  it('evolveTicketRow folds each event into the row the projection writes', async () => {
    const id = ticketIds[0];
    const at = (minute: number) => `2026-03-02T09:${String(minute).padStart(2, '0')}:00.000Z`;
    const history: [string, Event][] = [
      [`ticket-${id}`, opened(id, 'c-1', 'email', at(0))],
      [`routing-${id}`, { type: 'TicketQueued', schemaVersion: 1, data: { ticketId: id, queue: 'withdrawals-en', rule: 'r', queuedAt: at(1) } }],
      [`ticket-${id}`, { type: 'TicketAssigned', schemaVersion: 1, data: { ticketId: id, assignee: 'a-1', assignedAt: at(2) } }],
      [`ticket-${id}`, { type: 'TicketUnassigned', schemaVersion: 1, data: { ticketId: id, previousAssignee: 'a-1', reason: 'released', at: at(3) } }],
      [`ticket-${id}`, { type: 'TicketAssigned', schemaVersion: 1, data: { ticketId: id, assignee: 'a-2', assignedAt: at(4) } }],
      [`ticket-${id}`, { type: 'TicketProgressStarted', schemaVersion: 1, data: { ticketId: id, by: 'a-2', at: at(5) } }],
      [`ticket-${id}`, { type: 'AgentReplied', schemaVersion: 1, data: { ticketId: id, messageId: newId(), agentId: 'a-2', body: 'On it', postedAt: at(6) } }],
      [`ticket-${id}`, { type: 'FirstResponseGiven', schemaVersion: 1, data: { ticketId: id, agentId: 'a-2', channel: 'email', openedAt: at(0), respondedAt: at(6), elapsedSeconds: 360 } }],
      [`ticket-${id}`, { type: 'InternalNoteAdded', schemaVersion: 1, data: { ticketId: id, noteId: newId(), agentId: 'a-2', body: 'psst', addedAt: at(7) } }],
      [`ticket-${id}`, { type: 'TicketWaitingOnCustomer', schemaVersion: 1, data: { ticketId: id, by: 'a-2', at: at(8) } }],
      [`ticket-${id}`, { type: 'TicketUnassigned', schemaVersion: 1, data: { ticketId: id, previousAssignee: 'a-2', reason: 'agent_unavailable', at: at(9) } }],
      [`ticket-${id}`, { type: 'CustomerMessagePosted', schemaVersion: 1, data: { ticketId: id, messageId: newId(), customerId: 'c-1', body: 'hash', postedAt: at(10), externalMessageId: '<r@x>' } }],
      [`ticket-${id}`, { type: 'TicketResolved', schemaVersion: 1, data: { ticketId: id, resolutionCode: 'done', by: 'a-2', resolvedAt: at(11), autoCloseAt: '2026-03-05T09:11:00.000Z' } }],
      [`ticket-${id}`, { type: 'TicketReopened', schemaVersion: 1, data: { ticketId: id, reason: 'agent', by: 'a-2', reopenedAt: at(12) } }],
      [`ticket-${id}`, { type: 'TicketClosed', schemaVersion: 1, data: { ticketId: id, reason: 'manual', by: 'a-2', closedAt: at(13) } }],
      [`ticket-${id}`, { type: 'TicketMerged', schemaVersion: 1, data: { ticketId: id, intoTicketId: ticketIds[1], by: 'a-2', mergedAt: at(14) } }],
    ];
    await runner.start();
    const query = new TicketListQuery(readStore);
    let row: TicketRow | undefined;
    for (const [streamName, event] of history) {
      const position = await append(eventStore, streamName, event);
      await runner.waitFor(position);
      for await (const recorded of eventStore.readAll({ fromPosition: position - 1 })) row = evolveTicketRow(row, recorded);
      expect([event.type, toTicketResponse(row!, AGENT)]).toEqual([event.type, await query.getVisible(id, AGENT)]);
    }
  });

  it('shows a released ticket without assignee: open again when it was only assigned, in its work state otherwise', async () => {
    const [assigned, inProgress] = ticketIds;
    const at = '2026-03-02T09:30:00.000Z';
    await runner.start();
    for (const id of [assigned, inProgress]) {
      await append(eventStore, `ticket-${id}`, opened(id, 'c-1', 'chat', '2026-03-02T09:00:00.000Z'));
      await append(eventStore, `ticket-${id}`, { type: 'TicketAssigned', schemaVersion: 1, data: { ticketId: id, assignee: 'a-1', assignedAt: '2026-03-02T09:10:00.000Z' } });
    }
    await append(eventStore, `ticket-${inProgress}`, { type: 'TicketProgressStarted', schemaVersion: 1, data: { ticketId: inProgress, by: 'a-1', at: '2026-03-02T09:20:00.000Z' } });
    let head = 0;
    for (const id of [assigned, inProgress]) {
      head = await append(eventStore, `ticket-${id}`, { type: 'TicketUnassigned', schemaVersion: 1, data: { ticketId: id, previousAssignee: 'a-1', reason: 'agent_unavailable', at } });
    }
    await runner.waitFor(head);
    const query = new TicketListQuery(readStore);
    expect(await query.getVisible(assigned, AGENT)).toMatchObject({ status: 'open', assignee: null, updatedAt: at });
    expect(await query.getVisible(inProgress, AGENT)).toMatchObject({ status: 'in_progress', assignee: null, updatedAt: at });
  });

  it('applies a version 1 TicketOpened stored long ago in its current shape', async () => {
    const id = ticketIds[0];
    const v1 = { ticketId: id, customerId: 'c-1', channel: 'email', subject: 'Old', body: 'Stored before channel details', language: 'ko', openedAt: '2026-03-02T09:00:00.000Z' };
    await runner.start();
    await runner.waitFor(await append(eventStore, `ticket-${id}`, { type: 'TicketOpened', schemaVersion: 1, data: v1 }));
    const row = await (readStore.db as Kysely<TicketListTables>).selectFrom('intake_tickets').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    // Version 1 had no languageGiven: the upcast takes the language the customer's ticket carried.
    expect(row).toMatchObject({ language: 'ko', language_given: 'ko', detected_language: null, language_fallback: 0, channel_details: null, asset_context: null, linked_from: null });
  });

  it('follows routing by its public event type, whatever routing names its streams', async () => {
    expect(ticketListProjection.filter.streamPrefixes ?? []).toEqual([]);
    expect(ticketListProjection.filter.eventTypes).toContain('TicketQueued');
    const id = ticketIds[0];
    await runner.start();
    await append(eventStore, `ticket-${id}`, opened(id, 'c-1', 'chat', '2026-03-02T09:00:00.000Z'));
    const queued: RoutingEvent = { type: 'TicketQueued', schemaVersion: 1, data: { ticketId: id, queue: 'chat-en', rule: 'live-chat', queuedAt: '2026-03-02T09:00:01.000Z' } };
    // A stream name no contract of intake knows: the ticket comes from the event, not the stream.
    await runner.waitFor(await append(eventStore, `placement-${newId()}`, queued));
    expect(await new TicketListQuery(readStore).getVisible(id, AGENT)).toMatchObject({ queue: 'chat-en' });
  });
});
