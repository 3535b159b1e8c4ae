import { IllegalStateError } from '@ticketing/kernel';

/**
 * A customer wrote to a ticket that can no longer be reopened (resolved longer ago than the reopen
 * window, or closed). Still a 409 at the edge, but the application catches it and opens a new
 * ticket with `linkedFromTicketId = ticketId` instead.
 */
export class ReopenWindowExpiredError extends IllegalStateError {
  override readonly details: Readonly<Record<string, unknown>>;

  constructor(
    readonly ticketId: string,
    state: 'resolved' | 'closed',
  ) {
    super(
      state,
      'PostCustomerMessage',
      state === 'closed'
        ? `Cannot PostCustomerMessage while closed: ticket ${ticketId} is closed, open a linked ticket`
        : `Cannot PostCustomerMessage while resolved: the reopen window of ticket ${ticketId} has passed, open a linked ticket`,
    );
    this.details = { state, command: 'PostCustomerMessage', ticketId };
  }
}

/** Any command on a merged ticket: callers redirect reads and writes to `intoTicketId`. */
export class TicketMergedError extends IllegalStateError {
  override readonly details: Readonly<Record<string, unknown>>;

  constructor(
    readonly ticketId: string,
    readonly intoTicketId: string,
    command: string,
  ) {
    super('merged', command, `Cannot ${command} while merged: ticket ${ticketId} was merged into ${intoTicketId}`);
    this.details = { state: 'merged', command, ticketId, intoTicketId };
  }
}

/** A merge into a ticket of another customer: 409 / FAILED_PRECONDITION, and neither customer's id is named. */
export class CrossCustomerMergeError extends IllegalStateError {
  override readonly details: Readonly<Record<string, unknown>>;

  constructor(
    readonly ticketId: string,
    readonly intoTicketId: string,
  ) {
    super(
      'other_customer',
      'MergeTicket',
      `Cannot merge ticket ${ticketId} into ticket ${intoTicketId}: they belong to different customers`,
    );
    this.details = { command: 'MergeTicket', ticketId, intoTicketId };
  }
}
