import type { AuthenticatedActor } from '@ticketing/platform';

/**
 * Whether a caller may see one ticket, from the context that knows who owns tickets (intake, by
 * its read model). The ops stream asks it before streaming a customer one ticket's events; a
 * process whose contexts provide none streams nothing to customers.
 */
export interface TicketAccess {
  /** Resolves when `actor` may see ticket `ticketId`; rejects with a NotFoundError otherwise (another customer's ticket too). */
  assertVisible(ticketId: string, actor: AuthenticatedActor): Promise<void>;
}

/** DI token a context module provides and exports to answer for its tickets. */
export const TICKET_ACCESS = Symbol('TicketAccess');
