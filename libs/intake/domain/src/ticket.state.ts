import { assertNever, type Event } from '@ticketing/kernel';
import { upcastIntakeEvent, type Channel, type IntakeEvent, type Language, type TicketStatus } from '@ticketing/contracts';

/** Every event of intake's `ticket-<id>` stream, in its current shape. */
export type TicketEvent = IntakeEvent;

/** A ticket that has been opened: only what `decide` needs, plus the ids of every message. */
export type ExistingTicket = Readonly<{
  status: TicketStatus;
  ticketId: string;
  customerId: string;
  channel: Channel;
  language: Language;
  openedAt: string;
  assignee: string | null;
  firstResponseAt: string | null;
  /** Set while resolved; cleared by a reopen. */
  resolvedAt: string | null;
  /** When the durable auto-close timer fires; set while resolved, cleared by a reopen. */
  autoCloseAt: string | null;
  mergedInto: string | null;
  /** The knowledge-base session it was opened from, if any. */
  sessionId: string | null;
  /** The article that solved it, while resolved as self-served. */
  selfServedBy: string | null;
  /** Ids of customer messages, agent replies and internal notes, in the order they were added. */
  messageIds: readonly string[];
}>;

export type TicketState = Readonly<{ status: 'none' }> | ExistingTicket;

export const initialTicketState = (): TicketState => ({ status: 'none' });

export const ticketExists = (state: TicketState): state is ExistingTicket => state.status !== 'none';

/**
 * Folds one event into the state. Total over `IntakeEvent`; stored events of older schema versions
 * are upcast here, so callers may pass raw stored events with or without `upcast: upcastIntakeEvent`.
 */
export function evolveTicket(state: TicketState, stored: TicketEvent | Event): TicketState {
  const event = upcastIntakeEvent(stored);
  if (event.type === 'TicketOpened') {
    const { ticketId, customerId, channel, language, openedAt } = event.data;
    return {
      status: 'open',
      ticketId,
      customerId,
      channel,
      language,
      openedAt,
      assignee: null,
      firstResponseAt: null,
      resolvedAt: null,
      autoCloseAt: null,
      mergedInto: null,
      selfServedBy: null,
      sessionId: event.data.sessionId ?? null,
      messageIds: [],
    };
  }
  // Events before TicketOpened cannot exist in a well-formed stream; ignore rather than invent a ticket.
  if (!ticketExists(state)) return state;
  switch (event.type) {
    case 'TicketAssigned':
      return { ...state, assignee: event.data.assignee, status: state.status === 'open' ? 'assigned' : state.status };
    case 'TicketUnassigned':
      // Only an assigned ticket is back in the queue; one being worked on keeps its state without anyone.
      return { ...state, assignee: null, status: state.status === 'assigned' ? 'open' : state.status };
    case 'TicketProgressStarted':
      return { ...state, status: 'in_progress' };
    case 'TicketWaitingOnCustomer':
      return { ...state, status: 'waiting_on_customer' };
    case 'TicketResolved':
      return { ...state, status: 'resolved', resolvedAt: event.data.resolvedAt, autoCloseAt: event.data.autoCloseAt, selfServedBy: null };
    case 'TicketSelfServed':
      return { ...state, status: 'resolved', resolvedAt: event.data.resolvedAt, autoCloseAt: event.data.autoCloseAt, selfServedBy: event.data.articleId };
    case 'TicketReopened':
      return { ...state, status: state.assignee === null ? 'open' : 'assigned', resolvedAt: null, autoCloseAt: null, selfServedBy: null };
    case 'TicketClosed':
      // resolvedAt stays: the customer's reopen window still counts from it.
      return { ...state, status: 'closed', autoCloseAt: null };
    case 'CustomerMessagePosted':
    case 'AgentReplied':
      return { ...state, messageIds: [...state.messageIds, event.data.messageId] };
    case 'InternalNoteAdded':
      return { ...state, messageIds: [...state.messageIds, event.data.noteId] };
    case 'FirstResponseGiven':
      return { ...state, firstResponseAt: event.data.respondedAt };
    case 'TicketMerged':
      return { ...state, status: 'merged', mergedInto: event.data.intoTicketId, autoCloseAt: null };
    default:
      return assertNever(event);
  }
}
