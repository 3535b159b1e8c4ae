import { assertNever } from '@ticketing/kernel';
import type { RoutingEvent } from '@ticketing/contracts';

export type RoutingState =
  | Readonly<{ status: 'unrouted' }>
  | Readonly<{ status: 'queued'; ticketId: string; queue: string; queuedAt: string }>;

export const initialRoutingState = (): RoutingState => ({ status: 'unrouted' });

export function evolveRouting(_state: RoutingState, event: RoutingEvent): RoutingState {
  switch (event.type) {
    case 'TicketQueued':
      return { status: 'queued', ticketId: event.data.ticketId, queue: event.data.queue, queuedAt: event.data.queuedAt };
    case 'TicketClassified':
    case 'TicketRecategorized':
      return _state;
    default:
      return assertNever(event);
  }
}
