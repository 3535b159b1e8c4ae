import { Inject, Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { NotFoundError, ValidationError } from '@ticketing/kernel';
import { wellFormedAssetContext, wellFormedChannelDetails, type Channel, type Language, type TicketStatus } from '@ticketing/contracts';
import { prepareQuery, READ_STORE, type ParameterOf, type ReadStore } from '@ticketing/read-store';
import type { AuthenticatedActor } from '@ticketing/platform';
import type { MessageResponse, TicketPageResponse, TicketResponse } from '../ticket.response.dto';
import type { MessageRow, TicketListTables, TicketRow } from './ticket-list.projection';

export type TicketFilter = Readonly<{
  status?: TicketStatus;
  channel?: Channel;
  language?: Language;
  queue?: string;
  assignee?: string;
  customerId?: string;
  createdFrom?: string;
  createdTo?: string;
  limit: number;
  cursor?: string;
}>;

const isStaff = (actor: AuthenticatedActor): boolean => actor.kind !== 'customer';

const parseJson = (text: string | null): unknown => (text === null ? null : JSON.parse(text));

export function toTicketResponse(row: TicketRow, actor: AuthenticatedActor): TicketResponse {
  return {
    id: row.id,
    status: row.status as TicketStatus,
    channel: row.channel as Channel,
    language: row.language as Language,
    languageGiven: row.language_given as Language | null,
    detectedLanguage: row.detected_language,
    languageFallback: Number(row.language_fallback) === 1,
    queue: row.queue,
    category: row.category as TicketResponse['category'],
    priority: row.priority as TicketResponse['priority'],
    assignee: row.assignee,
    customerId: row.customer_id,
    subject: row.subject,
    // Rows built from events stored before nested objects were validated may hold arrays or incomplete details.
    channelDetails: wellFormedChannelDetails(row.channel as Channel, parseJson(row.channel_details)),
    assetContext: wellFormedAssetContext(parseJson(row.asset_context)),
    linkedFromTicketId: row.linked_from,
    mergedInto: row.merged_into,
    resolutionCode: row.resolution_code,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    firstResponseAt: row.first_response_at,
    firstResponseSeconds: row.first_response_seconds === null ? null : Number(row.first_response_seconds),
    resolvedAt: row.resolved_at,
    autoCloseAt: row.auto_close_at,
    closedAt: row.closed_at,
    messageCounts: {
      customer: Number(row.customer_messages),
      agent: Number(row.agent_replies),
      ...(isStaff(actor) ? { notes: Number(row.internal_notes) } : {}),
    },
  };
}

const toMessageResponse = (row: MessageRow): MessageResponse => ({
  id: row.id,
  kind: row.kind,
  authorId: row.author_id,
  body: row.body,
  postedAt: row.posted_at,
});

// The cursor is the last id of a page: ids are UUIDv7, so id order is creation order and stable.
const encodeCursor = (id: string): string => Buffer.from(id, 'utf8').toString('base64url');
function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[0-9a-f-]{36}$/.test(id)) throw new ValidationError('Invalid cursor', [{ field: 'cursor', message: 'not a cursor this API issued' }]);
  return id;
}

// Prepared: every write answers with its ticket, read by id.
const ticketById = prepareQuery((db: Kysely<TicketListTables>, param: ParameterOf<Pick<TicketRow, 'id'>>) =>
  db.selectFrom('intake_tickets').selectAll().where('id', '=', param('id')),
);

/** Reads tickets and conversations from the ticket-list projection, as the caller may see them. */
@Injectable()
export class TicketListQuery {
  private readonly db: Kysely<TicketListTables>;

  constructor(@Inject(READ_STORE) readStore: ReadStore) {
    this.db = readStore.db as Kysely<TicketListTables>;
  }

  /** The row if the caller may see it. A customer asking for someone else's ticket gets the same 404 as for a missing one. */
  async findVisible(ticketId: string, actor: AuthenticatedActor): Promise<TicketRow> {
    const [row] = (await ticketById.execute(this.db, { id: ticketId })).rows;
    if (!row || (!isStaff(actor) && row.customer_id !== actor.id)) {
      throw new NotFoundError(`Ticket ${ticketId} not found`, { ticketId });
    }
    return row;
  }

  async getVisible(ticketId: string, actor: AuthenticatedActor): Promise<TicketResponse> {
    return toTicketResponse(await this.findVisible(ticketId, actor), actor);
  }

  async list(filter: TicketFilter, actor: AuthenticatedActor): Promise<TicketPageResponse> {
    let query = this.db.selectFrom('intake_tickets').selectAll();
    const customerId = isStaff(actor) ? filter.customerId : actor.id;
    if (customerId !== undefined) query = query.where('customer_id', '=', customerId);
    if (filter.status !== undefined) query = query.where('status', '=', filter.status);
    if (filter.channel !== undefined) query = query.where('channel', '=', filter.channel);
    if (filter.language !== undefined) query = query.where('language', '=', filter.language);
    if (filter.queue !== undefined) query = query.where('queue', '=', filter.queue);
    if (filter.assignee !== undefined) query = query.where('assignee', '=', filter.assignee);
    if (filter.createdFrom !== undefined) query = query.where('created_at', '>=', filter.createdFrom);
    if (filter.createdTo !== undefined) query = query.where('created_at', '<', filter.createdTo);
    if (filter.cursor !== undefined) query = query.where('id', '<', decodeCursor(filter.cursor));
    const rows = await query.orderBy('id', 'desc').limit(filter.limit + 1).execute();
    const page = rows.slice(0, filter.limit);
    return {
      items: page.map((row) => toTicketResponse(row, actor)),
      nextCursor: rows.length > filter.limit ? encodeCursor(page[page.length - 1].id) : null,
    };
  }

  /** The conversation in order; internal notes only for staff. */
  async messages(ticketId: string, actor: AuthenticatedActor): Promise<MessageResponse[]> {
    await this.findVisible(ticketId, actor);
    let query = this.db.selectFrom('intake_messages').selectAll().where('ticket_id', '=', ticketId);
    if (!isStaff(actor)) query = query.where('kind', '!=', 'note');
    const rows = await query.orderBy('position', 'asc').execute();
    return rows.map(toMessageResponse);
  }

  /** The ticket an e-mail Message-ID belongs to, among the customer's tickets. */
  async ticketOfEmailMessage(messageId: string, customerId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('intake_email_threads')
      .innerJoin('intake_tickets', 'intake_tickets.id', 'intake_email_threads.ticket_id')
      .select('intake_email_threads.ticket_id')
      .where('intake_email_threads.message_id', '=', messageId)
      .where('intake_tickets.customer_id', '=', customerId)
      .executeTakeFirst();
    return row?.ticket_id;
  }

  /** Resolved tickets whose auto-close time has come, oldest first. */
  async dueForAutoClose(now: string, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('intake_tickets')
      .select('id')
      .where('status', '=', 'resolved')
      .where('auto_close_at', '<=', now)
      .orderBy('auto_close_at', 'asc')
      .limit(limit)
      .execute();
    return rows.map((row) => row.id);
  }
}
