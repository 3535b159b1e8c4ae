import { assertNever } from '@ticketing/kernel';
import type { Category, Channel, Language, Priority, RoutingEvent } from '@ticketing/contracts';

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

/**
 * `queued` without a classification: a ticket routed by channel alone, before classification
 * existed; it stays where it is (no later event of this stream refers to it).
 */
export type RoutingState =
  | Readonly<{ status: 'unrouted' }>
  | Readonly<{ status: 'queued'; ticketId: string; queue: string }>
  | (Readonly<{ status: 'classified' }> & ClassifiedTicket);

export const initialRoutingState = (): RoutingState => ({ status: 'unrouted' });

export function evolveRouting(state: RoutingState, event: RoutingEvent): RoutingState {
  switch (event.type) {
    case 'TicketClassified': {
      const { ticketId, channel, language, category, priority, confidence, signals } = event.data;
      return { status: 'classified', ticketId, channel, language, category, priority, confidence, signals, queue: null };
    }
    case 'TicketQueued':
      if (state.status === 'classified') return { ...state, queue: event.data.queue };
      return { status: 'queued', ticketId: event.data.ticketId, queue: event.data.queue };
    case 'TicketRecategorized':
      if (state.status !== 'classified') return state;
      // A person's decision: confidence is then certain, so the ticket never falls back into triage.
      return { ...state, category: event.data.to, priority: event.data.priority, confidence: 1 };
    default:
      return assertNever(event);
  }
}
