import type { Kysely, Transaction } from 'kysely';
import { INTAKE_EVENT_TYPES, type IntakeEvent, type TicketClassified, type TicketQueued, type TicketRecategorized } from '@ticketing/contracts';
import { assertNever } from '@ticketing/kernel';
import { defineProjection, prepareQuery, type ParameterOf, type ProjectedEvent } from '@ticketing/read-store';

export type TicketRow = {
  id: string;
  customer_id: string;
  status: string;
  channel: string;
  language: string;
  language_given: string | null;
  detected_language: string | null;
  language_fallback: number;
  queue: string | null;
  category: string | null;
  priority: string | null;
  assignee: string | null;
  subject: string;
  channel_details: string | null;
  asset_context: string | null;
  linked_from: string | null;
  merged_into: string | null;
  resolution_code: string | null;
  created_at: string;
  updated_at: string;
  first_response_at: string | null;
  first_response_seconds: number | null;
  resolved_at: string | null;
  auto_close_at: string | null;
  closed_at: string | null;
  customer_messages: number;
  agent_replies: number;
  internal_notes: number;
};

export type MessageKind = 'customer' | 'agent' | 'note';

export type MessageRow = {
  id: string;
  ticket_id: string;
  kind: MessageKind;
  author_id: string;
  body: string;
  posted_at: string;
  position: number;
};

/** E-mail Message-IDs of each ticket, so a reply's In-Reply-To finds its ticket. */
export type EmailThreadRow = { message_id: string; ticket_id: string };

export type TicketListTables = { intake_tickets: TicketRow; intake_messages: MessageRow; intake_email_threads: EmailThreadRow };

export const TICKET_LIST_PROJECTION = 'intake-ticket-list';

/** The resolution code a self-served ticket shows (TicketSelfServed carries the article instead). */
export const SELF_SERVED_RESOLUTION = 'self_served';

type Trx = Transaction<TicketListTables>;

const update = (trx: Trx, ticketId: string, changes: Partial<TicketRow>) =>
  trx.updateTable('intake_tickets').set(changes).where('id', '=', ticketId).execute();

const addEmailThread = (trx: Trx, messageId: string, ticketId: string) =>
  trx
    .insertInto('intake_email_threads')
    .values({ message_id: messageId, ticket_id: ticketId })
    .onConflict((conflict) => conflict.column('message_id').doNothing())
    .execute();

// Prepared: every opened ticket runs these two and the queue update, so their build and compile add up.
const insertMessage = prepareQuery((db: Kysely<TicketListTables>, param: ParameterOf<MessageRow>) =>
  db
    .insertInto('intake_messages')
    .values({
      id: param('id'),
      ticket_id: param('ticket_id'),
      kind: param('kind'),
      author_id: param('author_id'),
      body: param('body'),
      posted_at: param('posted_at'),
      position: param('position'),
    })
    .onConflict((conflict) => conflict.column('id').doNothing()),
);

const addMessage = (trx: Trx, row: MessageRow) => insertMessage.execute(trx, row);

type OpenedTicket = Pick<
  TicketRow,
  | 'id'
  | 'customer_id'
  | 'channel'
  | 'language'
  | 'language_given'
  | 'detected_language'
  | 'language_fallback'
  | 'subject'
  | 'channel_details'
  | 'asset_context'
  | 'linked_from'
  | 'created_at'
>;

/** What every ticket's row holds when it is opened, beside what TicketOpened says (also ticket-row.evolve.ts). */
export const OPENED_TICKET_DEFAULTS = {
  status: 'open',
  queue: null,
  category: null,
  priority: null,
  assignee: null,
  merged_into: null,
  resolution_code: null,
  first_response_at: null,
  first_response_seconds: null,
  resolved_at: null,
  auto_close_at: null,
  closed_at: null,
  customer_messages: 1,
  agent_replies: 0,
  internal_notes: 0,
} as const satisfies Partial<TicketRow>;

const insertOpenedTicket = prepareQuery((db: Kysely<TicketListTables>, param: ParameterOf<OpenedTicket>) =>
  db.insertInto('intake_tickets').values({
    id: param('id'),
    customer_id: param('customer_id'),
    channel: param('channel'),
    language: param('language'),
    language_given: param('language_given'),
    detected_language: param('detected_language'),
    language_fallback: param('language_fallback'),
    subject: param('subject'),
    channel_details: param('channel_details'),
    asset_context: param('asset_context'),
    linked_from: param('linked_from'),
    created_at: param('created_at'),
    updated_at: param('created_at'),
    ...OPENED_TICKET_DEFAULTS,
  }),
);

const setQueue = prepareQuery((db: Kysely<TicketListTables>, param: ParameterOf<Pick<TicketRow, 'id' | 'queue' | 'updated_at'>>) =>
  db.updateTable('intake_tickets').set({ queue: param('queue'), updated_at: param('updated_at') }).where('id', '=', param('id')),
);

async function applyIntake(trx: Trx, event: ProjectedEvent<IntakeEvent>): Promise<void> {
  switch (event.type) {
    case 'TicketOpened': {
      const { data } = event;
      await insertOpenedTicket.execute(trx, {
        id: data.ticketId,
        customer_id: data.customerId,
        channel: data.channel,
        language: data.language,
        language_given: data.languageGiven,
        detected_language: data.detectedLanguage,
        language_fallback: data.languageFallback ? 1 : 0,
        subject: data.subject,
        channel_details: data.channelDetails ? JSON.stringify(data.channelDetails) : null,
        asset_context: data.assetContext ? JSON.stringify(data.assetContext) : null,
        linked_from: data.linkedFromTicketId,
        created_at: data.openedAt,
      });
      // The opening text is the conversation's first customer message.
      await addMessage(trx, {
        id: event.id,
        ticket_id: data.ticketId,
        kind: 'customer',
        author_id: data.customerId,
        body: data.body,
        posted_at: data.openedAt,
        position: event.globalPosition,
      });
      if (data.channelDetails?.channel === 'email') await addEmailThread(trx, data.channelDetails.messageId, data.ticketId);
      return;
    }
    case 'TicketAssigned':
      await update(trx, event.data.ticketId, { assignee: event.data.assignee, updated_at: event.data.assignedAt });
      await trx
        .updateTable('intake_tickets')
        .set({ status: 'assigned' })
        .where('id', '=', event.data.ticketId)
        .where('status', '=', 'open')
        .execute();
      return;
    case 'TicketUnassigned':
      // As the decider: only an assigned ticket goes back to open; in progress or waiting stays so.
      await update(trx, event.data.ticketId, { assignee: null, updated_at: event.data.at });
      await trx
        .updateTable('intake_tickets')
        .set({ status: 'open' })
        .where('id', '=', event.data.ticketId)
        .where('status', '=', 'assigned')
        .execute();
      return;
    case 'TicketProgressStarted':
      return void (await update(trx, event.data.ticketId, { status: 'in_progress', updated_at: event.data.at }));
    case 'TicketWaitingOnCustomer':
      return void (await update(trx, event.data.ticketId, { status: 'waiting_on_customer', updated_at: event.data.at }));
    case 'TicketResolved': {
      const { ticketId, resolutionCode, resolvedAt, autoCloseAt } = event.data;
      return void (await update(trx, ticketId, {
        status: 'resolved',
        resolution_code: resolutionCode,
        resolved_at: resolvedAt,
        auto_close_at: autoCloseAt,
        updated_at: resolvedAt,
      }));
    }
    case 'TicketSelfServed': {
      const { ticketId, resolvedAt, autoCloseAt } = event.data;
      return void (await update(trx, ticketId, {
        status: 'resolved',
        resolution_code: SELF_SERVED_RESOLUTION,
        resolved_at: resolvedAt,
        auto_close_at: autoCloseAt,
        updated_at: resolvedAt,
      }));
    }
    case 'TicketReopened': {
      const ticket = await trx.selectFrom('intake_tickets').select('assignee').where('id', '=', event.data.ticketId).executeTakeFirst();
      return void (await update(trx, event.data.ticketId, {
        status: ticket?.assignee ? 'assigned' : 'open',
        resolved_at: null,
        auto_close_at: null,
        closed_at: null,
        updated_at: event.data.reopenedAt,
      }));
    }
    case 'TicketClosed':
      return void (await update(trx, event.data.ticketId, {
        status: 'closed',
        auto_close_at: null,
        closed_at: event.data.closedAt,
        updated_at: event.data.closedAt,
      }));
    case 'CustomerMessagePosted': {
      const { ticketId, messageId, customerId, body, postedAt, externalMessageId } = event.data;
      await addMessage(trx, { id: messageId, ticket_id: ticketId, kind: 'customer', author_id: customerId, body, posted_at: postedAt, position: event.globalPosition });
      if (externalMessageId !== undefined) await addEmailThread(trx, externalMessageId, ticketId);
      await trx
        .updateTable('intake_tickets')
        .set((eb) => ({ customer_messages: eb('customer_messages', '+', 1), updated_at: postedAt }))
        .where('id', '=', ticketId)
        .execute();
      return;
    }
    case 'AgentReplied': {
      const { ticketId, messageId, agentId, body, postedAt } = event.data;
      await addMessage(trx, { id: messageId, ticket_id: ticketId, kind: 'agent', author_id: agentId, body, posted_at: postedAt, position: event.globalPosition });
      await trx
        .updateTable('intake_tickets')
        .set((eb) => ({ agent_replies: eb('agent_replies', '+', 1), updated_at: postedAt }))
        .where('id', '=', ticketId)
        .execute();
      return;
    }
    case 'InternalNoteAdded': {
      const { ticketId, noteId, agentId, body, addedAt } = event.data;
      await addMessage(trx, { id: noteId, ticket_id: ticketId, kind: 'note', author_id: agentId, body, posted_at: addedAt, position: event.globalPosition });
      await trx
        .updateTable('intake_tickets')
        .set((eb) => ({ internal_notes: eb('internal_notes', '+', 1) }))
        .where('id', '=', ticketId)
        .execute();
      return;
    }
    case 'FirstResponseGiven':
      return void (await update(trx, event.data.ticketId, {
        first_response_at: event.data.respondedAt,
        first_response_seconds: event.data.elapsedSeconds,
      }));
    case 'TicketMerged':
      return void (await update(trx, event.data.ticketId, {
        status: 'merged',
        merged_into: event.data.intoTicketId,
        auto_close_at: null,
        updated_at: event.data.mergedAt,
      }));
    default:
      return assertNever(event);
  }
}

/** Routing's events that change what a ticket's row shows: its queue, category and priority. */
export type RoutingEventFollowed = TicketQueued | TicketClassified | TicketRecategorized;
const ROUTING_TYPES_FOLLOWED = ['TicketQueued', 'TicketClassified', 'TicketRecategorized'] as const satisfies readonly RoutingEventFollowed['type'][];
type TicketListEvent = IntakeEvent | RoutingEventFollowed;

/**
 * The public event types this read model follows: intake's own, and routing's by type (never by
 * routing's stream names), each carrying its ticket id in its data.
 */
export const TICKET_LIST_EVENT_TYPES = [...INTAKE_EVENT_TYPES, ...ROUTING_TYPES_FOLLOWED] as const satisfies readonly TicketListEvent['type'][];

/** The ticket list, detail and conversation read model, fed by intake's and routing's events. */
export const ticketListProjection = defineProjection<TicketListTables, TicketListEvent>({
  name: TICKET_LIST_PROJECTION,
  // 3: rebuilt so rows of TicketOpened events with malformed channel details or asset context are read defensively.
  // 4: category and priority from routing's classification.
  // 5: TicketUnassigned; a process still on 4 would not select it and would move its checkpoint past it.
  version: 5,
  eventTypes: TICKET_LIST_EVENT_TYPES,
  tables: ['intake_email_threads', 'intake_messages', 'intake_tickets'],
  migrations: {
    '0001-create-intake-tickets': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('intake_tickets')
          .addColumn('id', 'varchar(64)', (column) => column.primaryKey())
          .addColumn('customer_id', 'text', (column) => column.notNull())
          .addColumn('status', 'varchar(32)', (column) => column.notNull())
          .addColumn('channel', 'varchar(16)', (column) => column.notNull())
          .addColumn('language', 'varchar(8)', (column) => column.notNull())
          .addColumn('language_given', 'varchar(8)')
          .addColumn('detected_language', 'varchar(8)')
          .addColumn('language_fallback', 'integer', (column) => column.notNull())
          .addColumn('queue', 'varchar(64)')
          .addColumn('assignee', 'text')
          .addColumn('subject', 'text', (column) => column.notNull())
          .addColumn('channel_details', 'text')
          .addColumn('asset_context', 'text')
          .addColumn('linked_from', 'varchar(64)')
          .addColumn('merged_into', 'varchar(64)')
          .addColumn('resolution_code', 'varchar(64)')
          .addColumn('created_at', 'varchar(32)', (column) => column.notNull())
          .addColumn('updated_at', 'varchar(32)', (column) => column.notNull())
          .addColumn('first_response_at', 'varchar(32)')
          .addColumn('first_response_seconds', 'integer')
          .addColumn('resolved_at', 'varchar(32)')
          .addColumn('auto_close_at', 'varchar(32)')
          .addColumn('closed_at', 'varchar(32)')
          .addColumn('customer_messages', 'integer', (column) => column.notNull())
          .addColumn('agent_replies', 'integer', (column) => column.notNull())
          .addColumn('internal_notes', 'integer', (column) => column.notNull())
          .execute();
        await db.schema.createIndex('intake_tickets_customer').on('intake_tickets').columns(['customer_id', 'id']).execute();
        await db.schema.createIndex('intake_tickets_status').on('intake_tickets').columns(['status', 'id']).execute();
        await db.schema.createIndex('intake_tickets_auto_close').on('intake_tickets').columns(['auto_close_at']).execute();
        await db.schema
          .createTable('intake_messages')
          .addColumn('id', 'varchar(64)', (column) => column.primaryKey())
          .addColumn('ticket_id', 'varchar(64)', (column) => column.notNull())
          .addColumn('kind', 'varchar(16)', (column) => column.notNull())
          .addColumn('author_id', 'text', (column) => column.notNull())
          .addColumn('body', 'text', (column) => column.notNull())
          .addColumn('posted_at', 'varchar(32)', (column) => column.notNull())
          .addColumn('position', 'bigint', (column) => column.notNull())
          .execute();
        await db.schema.createIndex('intake_messages_ticket').on('intake_messages').columns(['ticket_id', 'position']).execute();
        await db.schema
          .createTable('intake_email_threads')
          .addColumn('message_id', 'varchar(998)', (column) => column.primaryKey())
          .addColumn('ticket_id', 'varchar(64)', (column) => column.notNull())
          .execute();
      },
    },
    '0002-add-classification': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('intake_tickets').addColumn('category', 'varchar(32)').execute();
        await db.schema.alterTable('intake_tickets').addColumn('priority', 'varchar(16)').execute();
      },
    },
  },
  async apply(trx, event) {
    // Routing queues a ticket only after reading its TicketOpened, so in the one global log the row exists.
    if (event.type === 'TicketQueued') {
      return void (await setQueue.execute(trx, { id: event.data.ticketId, queue: event.data.queue, updated_at: event.data.queuedAt }));
    }
    if (event.type === 'TicketClassified') {
      const { ticketId, category, priority } = event.data;
      return void (await update(trx, ticketId, { category, priority }));
    }
    if (event.type === 'TicketRecategorized') {
      const { ticketId, to, priority, recategorizedAt } = event.data;
      return void (await update(trx, ticketId, { category: to, priority, updated_at: recategorizedAt }));
    }
    await applyIntake(trx, event);
  },
});
