import { upcastPublicEvent, type IntakeEvent, type Upcast } from '@ticketing/contracts';
import { assertNever } from '@ticketing/kernel';
import type { RecordedEvent } from '@ticketing/event-store';
import { OPENED_TICKET_DEFAULTS, SELF_SERVED_RESOLUTION, TICKET_LIST_EVENT_TYPES, type RoutingEventFollowed, type TicketRow } from './ticket-list.projection';

const FOLLOWED: ReadonlySet<string> = new Set(TICKET_LIST_EVENT_TYPES);

/**
 * One ticket's ticket-list row after `recorded`, computed in memory exactly as the projection
 * writes it (see ticket-list.projection.ts): the ticket as it was at any point of its history,
 * which the read model, holding only the present, cannot answer. Undefined until TicketOpened.
 */
export function evolveTicketRow(row: TicketRow | undefined, recorded: RecordedEvent): TicketRow | undefined {
  // As the projection's filter: the events it does not select change no row.
  if (!FOLLOWED.has(recorded.type)) return row;
  const event = upcastPublicEvent(recorded) as Upcast<RecordedEvent, IntakeEvent | RoutingEventFollowed>;
  if (event.type === 'TicketOpened') {
    const { data } = event;
    return {
      ...OPENED_TICKET_DEFAULTS,
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
      updated_at: data.openedAt,
    };
  }
  // The projection's updates of a row that does not exist change nothing.
  if (row === undefined) return undefined;
  switch (event.type) {
    case 'TicketQueued':
      return { ...row, queue: event.data.queue, updated_at: event.data.queuedAt };
    case 'TicketClassified':
      return { ...row, category: event.data.category, priority: event.data.priority };
    case 'TicketRecategorized':
      return { ...row, category: event.data.to, priority: event.data.priority, updated_at: event.data.recategorizedAt };
    case 'TicketAssigned':
      return { ...row, assignee: event.data.assignee, updated_at: event.data.assignedAt, status: row.status === 'open' ? 'assigned' : row.status };
    case 'TicketUnassigned':
      return { ...row, assignee: null, updated_at: event.data.at, status: row.status === 'assigned' ? 'open' : row.status };
    case 'TicketProgressStarted':
      return { ...row, status: 'in_progress', updated_at: event.data.at };
    case 'TicketWaitingOnCustomer':
      return { ...row, status: 'waiting_on_customer', updated_at: event.data.at };
    case 'TicketResolved': {
      const { resolutionCode, resolvedAt, autoCloseAt } = event.data;
      return { ...row, status: 'resolved', resolution_code: resolutionCode, resolved_at: resolvedAt, auto_close_at: autoCloseAt, updated_at: resolvedAt };
    }
    case 'TicketSelfServed': {
      const { resolvedAt, autoCloseAt } = event.data;
      return { ...row, status: 'resolved', resolution_code: SELF_SERVED_RESOLUTION, resolved_at: resolvedAt, auto_close_at: autoCloseAt, updated_at: resolvedAt };
    }
    case 'TicketReopened':
      return { ...row, status: row.assignee ? 'assigned' : 'open', resolved_at: null, auto_close_at: null, closed_at: null, updated_at: event.data.reopenedAt };
    case 'TicketClosed':
      return { ...row, status: 'closed', auto_close_at: null, closed_at: event.data.closedAt, updated_at: event.data.closedAt };
    case 'CustomerMessagePosted':
      return { ...row, customer_messages: Number(row.customer_messages) + 1, updated_at: event.data.postedAt };
    case 'AgentReplied':
      return { ...row, agent_replies: Number(row.agent_replies) + 1, updated_at: event.data.postedAt };
    case 'InternalNoteAdded':
      return { ...row, internal_notes: Number(row.internal_notes) + 1 };
    case 'FirstResponseGiven':
      return { ...row, first_response_at: event.data.respondedAt, first_response_seconds: event.data.elapsedSeconds };
    case 'TicketMerged':
      return { ...row, status: 'merged', merged_into: event.data.intoTicketId, auto_close_at: null, updated_at: event.data.mergedAt };
    default:
      return assertNever(event);
  }
}
