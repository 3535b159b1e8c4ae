import {
  ConflictError,
  ForbiddenError,
  IllegalStateError,
  NotFoundError,
  ValidationError,
  assertNever,
  type Command,
  type Decider,
} from '@ticketing/kernel';
import {
  CHANNELS_WITHOUT_SUBJECT,
  TICKET_OPENED_SCHEMA_VERSION,
  type AssetContext,
  type Channel,
  type ChannelDetails,
  type Language,
  type TicketClosed,
  type TicketOpened,
} from '@ticketing/contracts';
import { deriveSubject } from './display-subject';
import { resolveLanguage } from './resolve-language';
import { CrossCustomerMergeError, ReopenWindowExpiredError, TicketMergedError } from './ticket.errors';
import { evolveTicket, initialTicketState, ticketExists, type ExistingTicket, type TicketEvent, type TicketState } from './ticket.state';

/** Schema version of every intake event except TicketOpened (see TICKET_OPENED_SCHEMA_VERSION). */
export const TICKET_EVENT_SCHEMA_VERSION = 1;

/** How long after resolution a customer reply reopens the ticket instead of opening a linked one. */
export const DEFAULT_REOPEN_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

/** How long a resolved ticket waits for a reply before it closes on its own. */
export const DEFAULT_AUTO_CLOSE_AFTER_MS = 72 * 60 * 60 * 1000;

/** The `by` of TicketClosed when the auto-close timer closed the ticket. */
export const AUTO_CLOSE_ACTOR_ID = 'intake-auto-close';

export type OpenTicket = Command<
  'OpenTicket',
  {
    ticketId: string;
    customerId: string;
    channel: Channel;
    /** Must name the same channel as `channel`. */
    channelDetails: ChannelDetails | null;
    /** Null when the customer gave none: allowed on CHANNELS_WITHOUT_SUBJECT only, then derived from the body. */
    subject: string | null;
    body: string;
    /** The language the customer chose, if any. */
    languageGiven: Language | null;
    /** What the LanguageDetector found in subject and body (any ISO 639-1 code), or null. */
    detectedLanguage: string | null;
    assetContext: AssetContext | null;
    linkedFromTicketId: string | null;
    /** The knowledge base's session the customer opened it from, if any. */
    sessionId?: string;
    now: string;
  }
>;

/**
 * `onFinished`: what a resolved, closed or merged ticket does with it. `refuse` (absent: the
 * default) is a 409 to the person asking; `ignore` decides nothing: routing's assignments arrive
 * over the bus and may be overtaken by the ticket's end, which is no error to retry or park.
 */
export type AssignTicket = Command<'AssignTicket', { ticketId: string; assignee: string; now: string; onFinished?: 'refuse' | 'ignore' }>;
/** `assignee` no longer holds the ticket (routing released it, for `reason`). */
export type UnassignTicket = Command<'UnassignTicket', { ticketId: string; assignee: string; reason: string; now: string }>;
export type StartProgress = Command<'StartProgress', { ticketId: string; by: string; now: string }>;
export type WaitOnCustomer = Command<'WaitOnCustomer', { ticketId: string; by: string; now: string }>;
export type ResolveTicket = Command<
  'ResolveTicket',
  { ticketId: string; resolutionCode: string; by: string; now: string; autoCloseAfterMs: number }
>;
/**
 * The customer (or a service relaying them) marks a suggested article as "this solved it".
 * `customerId`: the customer acting, null for a service.
 */
export type SelfServeTicket = Command<
  'SelfServeTicket',
  { ticketId: string; articleId: string; sessionId: string | null; customerId: string | null; by: string; now: string; autoCloseAfterMs: number }
>;
/** An agent reopening a resolved ticket (customers reopen by replying). */
export type ReopenTicket = Command<'ReopenTicket', { ticketId: string; by: string; now: string }>;
/** Manual close of a resolved ticket. */
export type CloseTicket = Command<'CloseTicket', { ticketId: string; by: string; now: string }>;
/** Fired by the durable auto-close timer; safe to fire late, early or twice. */
export type AutoCloseTicket = Command<'AutoCloseTicket', { ticketId: string; now: string }>;
export type PostCustomerMessage = Command<
  'PostCustomerMessage',
  {
    ticketId: string;
    messageId: string;
    customerId: string;
    body: string;
    now: string;
    reopenWindowMs: number;
    externalMessageId?: string;
  }
>;
export type PostAgentReply = Command<
  'PostAgentReply',
  { ticketId: string; messageId: string; agentId: string; body: string; now: string }
>;
export type AddInternalNote = Command<
  'AddInternalNote',
  { ticketId: string; noteId: string; agentId: string; body: string; now: string }
>;
/** `intoCustomerId`: the customer of the target ticket, as the application read it. */
export type MergeTicket = Command<
  'MergeTicket',
  { ticketId: string; intoTicketId: string; intoCustomerId: string; by: string; now: string }
>;

export type TicketCommand =
  | OpenTicket
  | AssignTicket
  | UnassignTicket
  | StartProgress
  | WaitOnCustomer
  | ResolveTicket
  | SelfServeTicket
  | ReopenTicket
  | CloseTicket
  | AutoCloseTicket
  | PostCustomerMessage
  | PostAgentReply
  | AddInternalNote
  | MergeTicket;

export type TicketCommandType = TicketCommand['type'];

const event = <E extends TicketEvent>(type: E['type'], data: E['data']): E =>
  ({ type, schemaVersion: TICKET_EVENT_SCHEMA_VERSION, data }) as E;

function instant(value: string, field: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new ValidationError(`${field} is not a timestamp`, [{ field, message: 'must be an ISO 8601 timestamp' }]);
  return ms;
}

function duration(value: number, field: string): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new ValidationError(`${field} must be a non-negative number of milliseconds`, [{ field, message: 'must be >= 0' }]);
  }
  return value;
}

const illegal = (ticket: ExistingTicket, command: TicketCommand): IllegalStateError =>
  new IllegalStateError(ticket.status, command.type);

function openTicket(command: OpenTicket, state: TicketState): TicketOpened {
  const { ticketId, customerId, channel, channelDetails, subject, body, languageGiven, detectedLanguage, assetContext, linkedFromTicketId, sessionId, now } =
    command.data;
  if (ticketExists(state)) throw new ConflictError(`Ticket ${ticketId} already exists`, { ticketId });
  instant(now, 'now');
  if (channelDetails !== null && channelDetails.channel !== channel) {
    throw new ValidationError(`channelDetails are for ${channelDetails.channel}, not ${channel}`, [
      { field: 'channelDetails.channel', message: `must be ${channel}` },
    ]);
  }
  if (subject === null && !(CHANNELS_WITHOUT_SUBJECT as readonly Channel[]).includes(channel)) {
    throw new ValidationError(`A ${channel} ticket needs a subject`, [{ field: 'subject', message: `subject is required for channel ${channel}` }]);
  }
  if (linkedFromTicketId === ticketId) {
    throw new ValidationError('A ticket cannot be linked from itself', [{ field: 'linkedFromTicketId', message: 'must differ from ticketId' }]);
  }
  return {
    type: 'TicketOpened',
    schemaVersion: TICKET_OPENED_SCHEMA_VERSION,
    data: {
      ticketId,
      customerId,
      channel,
      channelDetails,
      subject: subject ?? deriveSubject(body),
      subjectDerived: subject === null,
      body,
      ...resolveLanguage(languageGiven, detectedLanguage),
      assetContext,
      linkedFromTicketId,
      ...(sessionId !== undefined && { sessionId }),
      openedAt: now,
    },
  };
}

function autoClose(command: AutoCloseTicket, state: TicketState): readonly TicketEvent[] {
  if (!ticketExists(state) || state.status !== 'resolved' || state.autoCloseAt === null) return [];
  if (instant(command.data.now, 'now') < instant(state.autoCloseAt, 'autoCloseAt')) return [];
  return [
    event<TicketClosed>('TicketClosed', {
      ticketId: state.ticketId,
      reason: 'auto_after_resolution',
      by: AUTO_CLOSE_ACTOR_ID,
      closedAt: command.data.now,
    }),
  ];
}

/** The ticket a non-opening command acts on: it must exist and be this command's ticket. */
function existing(state: TicketState, command: TicketCommand): ExistingTicket {
  const { ticketId } = command.data;
  if (!ticketExists(state)) throw new NotFoundError(`Ticket ${ticketId} does not exist`, { ticketId });
  if (state.ticketId !== ticketId) {
    throw new ValidationError(`Command for ticket ${ticketId} sent to ticket ${state.ticketId}`, [
      { field: 'ticketId', message: `must be ${state.ticketId}` },
    ]);
  }
  instant(command.data.now, 'now');
  return state;
}

function assign(command: AssignTicket, ticket: ExistingTicket): readonly TicketEvent[] {
  const { ticketId, assignee, now } = command.data;
  switch (ticket.status) {
    case 'open':
    case 'assigned':
    case 'in_progress':
    case 'waiting_on_customer':
      if (ticket.status !== 'open' && ticket.assignee === assignee) return [];
      return [event('TicketAssigned', { ticketId, assignee, assignedAt: now })];
    case 'resolved':
    case 'closed':
    case 'merged':
      if (command.data.onFinished === 'ignore') return [];
      throw illegal(ticket, command);
    default:
      return assertNever(ticket.status);
  }
}

function unassign(command: UnassignTicket, ticket: ExistingTicket): readonly TicketEvent[] {
  const { ticketId, assignee, reason, now } = command.data;
  // A release of someone who no longer holds the ticket (it arrived after a reassignment) is stale.
  if (ticket.assignee !== assignee) return [];
  switch (ticket.status) {
    case 'open':
    case 'assigned':
    case 'in_progress':
    case 'waiting_on_customer':
      return [event('TicketUnassigned', { ticketId, previousAssignee: assignee, reason, at: now })];
    // A release that follows the end: the ticket keeps who worked it last.
    case 'resolved':
    case 'closed':
    case 'merged':
      return [];
    default:
      return assertNever(ticket.status);
  }
}

/** Routing's assignments and releases, which may reach a ticket after its end (merged included): they then decide nothing. */
const mayFollowTheEnd = (command: TicketCommand): boolean =>
  command.type === 'UnassignTicket' || (command.type === 'AssignTicket' && command.data.onFinished === 'ignore');

function startProgress(command: StartProgress, ticket: ExistingTicket): readonly TicketEvent[] {
  const { ticketId, by, now } = command.data;
  if (ticket.status === 'open' || ticket.status === 'assigned' || ticket.status === 'waiting_on_customer') {
    return [event('TicketProgressStarted', { ticketId, by, at: now })];
  }
  throw illegal(ticket, command);
}

function waitOnCustomer(command: WaitOnCustomer, ticket: ExistingTicket): readonly TicketEvent[] {
  const { ticketId, by, now } = command.data;
  if (ticket.status === 'assigned' || ticket.status === 'in_progress') {
    return [event('TicketWaitingOnCustomer', { ticketId, by, at: now })];
  }
  throw illegal(ticket, command);
}

function resolve(command: ResolveTicket, ticket: ExistingTicket): readonly TicketEvent[] {
  const { ticketId, resolutionCode, by, now, autoCloseAfterMs } = command.data;
  if (!(ticket.status === 'open' || ticket.status === 'assigned' || ticket.status === 'in_progress' || ticket.status === 'waiting_on_customer')) {
    throw illegal(ticket, command);
  }
  if (resolutionCode.trim() === '') {
    throw new ValidationError('resolutionCode is required', [{ field: 'resolutionCode', message: 'must not be empty' }]);
  }
  const autoCloseAt = new Date(instant(now, 'now') + duration(autoCloseAfterMs, 'autoCloseAfterMs')).toISOString();
  return [event('TicketResolved', { ticketId, resolutionCode, by, resolvedAt: now, autoCloseAt })];
}

function selfServe(command: SelfServeTicket, ticket: ExistingTicket): readonly TicketEvent[] {
  const { ticketId, articleId, sessionId, customerId, by, now, autoCloseAfterMs } = command.data;
  if (customerId !== null && customerId !== ticket.customerId) {
    throw new ForbiddenError(`Only the ticket's customer may mark it solved on ticket ${ticketId}`, { ticketId });
  }
  // Marking it again (a double tap, a retried request) changes nothing.
  if (ticket.status === 'resolved' && ticket.selfServedBy === articleId) return [];
  if (!(ticket.status === 'open' || ticket.status === 'assigned' || ticket.status === 'in_progress' || ticket.status === 'waiting_on_customer')) {
    throw illegal(ticket, command);
  }
  const autoCloseAt = new Date(instant(now, 'now') + duration(autoCloseAfterMs, 'autoCloseAfterMs')).toISOString();
  // The session the ticket was opened from counts the deflection when the customer does not repeat it.
  return [event('TicketSelfServed', { ticketId, articleId, sessionId: sessionId ?? ticket.sessionId, by, resolvedAt: now, autoCloseAt })];
}

function reopen(command: ReopenTicket, ticket: ExistingTicket): readonly TicketEvent[] {
  const { ticketId, by, now } = command.data;
  if (ticket.status !== 'resolved') throw illegal(ticket, command);
  return [event('TicketReopened', { ticketId, reason: 'agent', by, reopenedAt: now })];
}

function close(command: CloseTicket, ticket: ExistingTicket): readonly TicketEvent[] {
  const { ticketId, by, now } = command.data;
  if (ticket.status !== 'resolved') throw illegal(ticket, command);
  return [event('TicketClosed', { ticketId, reason: 'manual', by, closedAt: now })];
}

function postCustomerMessage(command: PostCustomerMessage, ticket: ExistingTicket): readonly TicketEvent[] {
  const { ticketId, messageId, customerId, body, now, reopenWindowMs, externalMessageId } = command.data;
  const posted = event('CustomerMessagePosted', {
    ticketId,
    messageId,
    customerId,
    body,
    postedAt: now,
    ...(externalMessageId === undefined ? {} : { externalMessageId }),
  });
  switch (ticket.status) {
    case 'open':
    case 'assigned':
    case 'in_progress':
      return [posted];
    case 'waiting_on_customer':
      return [posted, event('TicketProgressStarted', { ticketId, by: customerId, at: now })];
    // The reopen window counts from resolution, whether or not the ticket closed since: a reply on
    // day 4 reopens a ticket that auto-closed after 72 h; on day 8 it opens a linked ticket.
    case 'resolved':
    case 'closed': {
      const sinceResolved = instant(now, 'now') - instant(ticket.resolvedAt ?? ticket.openedAt, 'resolvedAt');
      if (sinceResolved > duration(reopenWindowMs, 'reopenWindowMs')) throw new ReopenWindowExpiredError(ticketId, ticket.status);
      return [event('TicketReopened', { ticketId, reason: 'customer_reply', by: customerId, reopenedAt: now }), posted];
    }
    case 'merged':
      throw illegal(ticket, command);
    default:
      return assertNever(ticket.status);
  }
}

function postAgentReply(command: PostAgentReply, ticket: ExistingTicket): readonly TicketEvent[] {
  const { ticketId, messageId, agentId, body, now } = command.data;
  if (ticket.status === 'closed' || ticket.status === 'merged') throw illegal(ticket, command);
  const replied = event('AgentReplied', { ticketId, messageId, agentId, body, postedAt: now });
  if (ticket.firstResponseAt !== null) return [replied];
  const elapsedSeconds = Math.max(0, Math.floor((instant(now, 'now') - instant(ticket.openedAt, 'openedAt')) / 1000));
  return [
    replied,
    event('FirstResponseGiven', { ticketId, agentId, channel: ticket.channel, openedAt: ticket.openedAt, respondedAt: now, elapsedSeconds }),
  ];
}

function addInternalNote(command: AddInternalNote, ticket: ExistingTicket): readonly TicketEvent[] {
  const { ticketId, noteId, agentId, body, now } = command.data;
  if (ticket.status === 'merged') throw illegal(ticket, command);
  return [event('InternalNoteAdded', { ticketId, noteId, agentId, body, addedAt: now })];
}

function merge(command: MergeTicket, ticket: ExistingTicket): readonly TicketEvent[] {
  const { ticketId, intoTicketId, intoCustomerId, by, now } = command.data;
  if (ticket.status === 'closed' || ticket.status === 'merged') throw illegal(ticket, command);
  if (intoTicketId === ticketId) {
    throw new ValidationError('A ticket cannot be merged into itself', [{ field: 'intoTicketId', message: 'must differ from ticketId' }]);
  }
  // A merge redirects the customer to the target: another customer's ticket would be one they cannot read.
  if (intoCustomerId !== ticket.customerId) throw new CrossCustomerMergeError(ticketId, intoTicketId);
  return [event('TicketMerged', { ticketId, intoTicketId, by, mergedAt: now })];
}

/** Id of the message, reply or note a conversation command adds, or null for lifecycle commands. */
function addedMessageId(command: TicketCommand): string | null {
  switch (command.type) {
    case 'PostCustomerMessage':
    case 'PostAgentReply':
      return command.data.messageId;
    case 'AddInternalNote':
      return command.data.noteId;
    default:
      return null;
  }
}

/**
 * Decides a ticket command. Pure: time, ids and configuration (windows, delays) come in on commands.
 *
 * Lifecycle (any transition not listed is an `IllegalStateError(state, command)`, a 409 at the edge):
 * - OpenTicket: only when no ticket exists (else `ConflictError`); language by `resolveLanguage`.
 * - AssignTicket: from open (→ assigned), assigned, in_progress, waiting_on_customer (status kept);
 *   assigning the current assignee again decides nothing. On resolved, closed or merged it decides
 *   nothing with `onFinished: 'ignore'` (routing's assignments over the bus).
 * - UnassignTicket: only when `assignee` is the current assignee (else nothing: a stale release);
 *   assigned → open, in_progress and waiting_on_customer keep their status without assignee;
 *   resolved, closed or merged: nothing (a release that follows the end).
 * - StartProgress: from open, assigned, waiting_on_customer → in_progress.
 * - WaitOnCustomer: from assigned, in_progress → waiting_on_customer.
 * - ResolveTicket: from open, assigned, in_progress, waiting_on_customer → resolved, with
 *   `autoCloseAt = now + autoCloseAfterMs`.
 * - ReopenTicket (agent): from resolved → assigned when there is an assignee, else open.
 * - CloseTicket (manual): from resolved → closed.
 * - AutoCloseTicket: closes (reason auto_after_resolution) only when resolved and `now >= autoCloseAt`;
 *   decides nothing otherwise, so the timer may fire late, early or twice.
 * - MergeTicket: from any status but closed and merged → merged (the stream's last event); into
 *   itself is a `ValidationError`; into a ticket of another customer (`intoCustomerId`) is a
 *   `CrossCustomerMergeError`. Whether the target exists is the application's concern.
 *
 * Conversation (a message, reply or note id already on the ticket decides nothing: redelivery is safe):
 * - PostCustomerMessage: only the ticket's customer (else `ForbiddenError`). open, assigned,
 *   in_progress: the message; waiting_on_customer: the message and TicketProgressStarted (by the
 *   customer); resolved within `reopenWindowMs` of resolvedAt: TicketReopened (customer_reply) and
 *   the message; resolved after the window, or closed: `ReopenWindowExpiredError`, so the
 *   application opens a new ticket linked from this one.
 * - PostAgentReply: any status but closed and merged; the first one also decides FirstResponseGiven
 *   with the whole seconds elapsed since opening.
 * - AddInternalNote: any status but merged (notes on closed tickets are kept for audit).
 *
 * On a ticket that does not exist every command but OpenTicket is a `NotFoundError` (AutoCloseTicket
 * decides nothing); on a merged ticket every command is a `TicketMergedError` carrying `intoTicketId`,
 * except UnassignTicket and AssignTicket with `onFinished: 'ignore'`, which decide nothing.
 */
export function decideTicket(command: TicketCommand, state: TicketState): readonly TicketEvent[] {
  if (command.type === 'OpenTicket') return [openTicket(command, state)];
  if (command.type === 'AutoCloseTicket') return autoClose(command, state);
  const ticket = existing(state, command);
  if (command.type === 'PostCustomerMessage' && command.data.customerId !== ticket.customerId) {
    throw new ForbiddenError(`Only the ticket's customer may post customer messages on ticket ${ticket.ticketId}`, {
      ticketId: ticket.ticketId,
    });
  }
  const messageId = addedMessageId(command);
  if (messageId !== null && ticket.messageIds.includes(messageId)) return [];
  if (ticket.status === 'merged' && mayFollowTheEnd(command)) return [];
  if (ticket.status === 'merged') throw new TicketMergedError(ticket.ticketId, ticket.mergedInto ?? '', command.type);

  switch (command.type) {
    case 'AssignTicket':
      return assign(command, ticket);
    case 'UnassignTicket':
      return unassign(command, ticket);
    case 'StartProgress':
      return startProgress(command, ticket);
    case 'WaitOnCustomer':
      return waitOnCustomer(command, ticket);
    case 'ResolveTicket':
      return resolve(command, ticket);
    case 'SelfServeTicket':
      return selfServe(command, ticket);
    case 'ReopenTicket':
      return reopen(command, ticket);
    case 'CloseTicket':
      return close(command, ticket);
    case 'PostCustomerMessage':
      return postCustomerMessage(command, ticket);
    case 'PostAgentReply':
      return postAgentReply(command, ticket);
    case 'AddInternalNote':
      return addInternalNote(command, ticket);
    case 'MergeTicket':
      return merge(command, ticket);
    default:
      return assertNever(command);
  }
}

/**
 * The write model of intake's `ticket-<id>` stream. Its `evolve` upcasts stored events itself, so
 * `handleCommand(store, streams.ticket(id), ticketDecider, command, { metadata })` reads version-1
 * TicketOpened events with or without `upcast: upcastIntakeEvent`.
 */
export const ticketDecider: Decider<TicketState, TicketCommand, TicketEvent> = {
  initialState: initialTicketState,
  evolve: evolveTicket,
  decide: decideTicket,
};
