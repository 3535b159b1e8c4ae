import { assertNever } from '@ticketing/kernel';
import type { Category, Channel, Language, Priority, RoutingTicketEvent } from '@ticketing/contracts';

export type ClassifiedTicket = Readonly<{
  ticketId: string;
  channel: Channel;
  language: Language;
  category: Category;
  priority: Priority;
  confidence: number;
  signals: readonly string[];
  queue: string | null;
}>;

/** Where a routed ticket stands with people: who holds it, whether it is done, what escalated it. */
export type Dispatch = Readonly<{
  holder: string | null;
  /** The agent's reservation the holding uses (null on holdings from before reservations had ids). */
  holderReservation: string | null;
  finished: boolean;
  transfers: number;
  /** The SLA events that escalated it already (a redelivered breach escalates once). */
  escalatedFor: readonly string[];
}>;

const NOT_DISPATCHED: Dispatch = { holder: null, holderReservation: null, finished: false, transfers: 0, escalatedFor: [] };

/**
 * `queued` without a classification: a ticket routed by channel alone, before classification
 * existed; people may still take it, by its queue.
 */
export type RoutingState =
  | Readonly<{ status: 'unrouted' }>
  | (Readonly<{ status: 'queued'; ticketId: string; queue: string }> & Dispatch)
  | (Readonly<{ status: 'classified' }> & ClassifiedTicket & Dispatch);

export type RoutedState = Exclude<RoutingState, { status: 'unrouted' }>;

export const initialRoutingState = (): RoutingState => ({ status: 'unrouted' });

export function evolveRouting(state: RoutingState, event: RoutingTicketEvent): RoutingState {
  switch (event.type) {
    case 'TicketClassified': {
      const { ticketId, channel, language, category, priority, confidence, signals } = event.data;
      return { ...NOT_DISPATCHED, status: 'classified', ticketId, channel, language, category, priority, confidence, signals, queue: null };
    }
    case 'TicketQueued':
      if (state.status === 'unrouted') return { ...NOT_DISPATCHED, status: 'queued', ticketId: event.data.ticketId, queue: event.data.queue };
      return { ...state, queue: event.data.queue };
    case 'TicketRecategorized':
      if (state.status !== 'classified') return state;
      // A person's decision: confidence is then certain, so the ticket never falls back into triage.
      return { ...state, category: event.data.to, priority: event.data.priority, confidence: 1 };
    case 'TicketAssignedToAgent':
      return state.status === 'unrouted' ? state : { ...state, holder: event.data.agentId, holderReservation: event.data.reservationId ?? null };
    case 'TicketReleasedFromAgent':
      return state.status === 'unrouted' ? state : { ...state, holder: null, holderReservation: null };
    case 'TicketTransferred':
      return state.status === 'unrouted' ? state : { ...state, transfers: state.transfers + 1 };
    case 'TicketEscalated': {
      if (state.status === 'unrouted') return state;
      const escalatedFor = event.data.causeEventId === null ? state.escalatedFor : [...state.escalatedFor, event.data.causeEventId];
      return state.status === 'classified' ? { ...state, priority: event.data.toPriority, escalatedFor } : { ...state, escalatedFor };
    }
    case 'TicketRoutingFinished':
      return state.status === 'unrouted' ? state : { ...state, finished: true };
    case 'TicketRoutingReopened':
      return state.status === 'unrouted' ? state : { ...state, finished: false };
    default:
      return assertNever(event);
  }
}
