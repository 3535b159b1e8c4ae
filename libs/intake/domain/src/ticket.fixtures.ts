import type {
  AgentReplied,
  CustomerMessagePosted,
  FirstResponseGiven,
  InternalNoteAdded,
  TicketAssigned,
  TicketClosed,
  TicketMerged,
  TicketOpened,
  TicketProgressStarted,
  TicketReopened,
  TicketResolved,
  TicketSelfServed,
  TicketUnassigned,
  TicketWaitingOnCustomer,
} from '@ticketing/contracts';
import type {
  AddInternalNote,
  AssignTicket,
  AutoCloseTicket,
  CloseTicket,
  MergeTicket,
  OpenTicket,
  PostAgentReply,
  PostCustomerMessage,
  ReopenTicket,
  ResolveTicket,
  SelfServeTicket,
  StartProgress,
  UnassignTicket,
  WaitOnCustomer,
} from './ticket.decider';

// Test fixtures for the ticket decider specs (not exported from the lib's index).

export const TICKET = 't-1';
export const CUSTOMER = 'c-1';
export const AGENT = 'a-1';
export const OTHER_AGENT = 'a-2';
export const HOUR = 60 * 60 * 1000;
export const DAY = 24 * HOUR;
export const REOPEN_WINDOW = 7 * DAY;
export const AUTO_CLOSE_AFTER = 72 * HOUR;

const BASE = Date.parse('2026-03-02T09:00:00.000Z');
/** The instant `ms` after the ticket was opened. */
export const at = (ms: number): string => new Date(BASE + ms).toISOString();

export const openCommand = (overrides: Partial<OpenTicket['data']> = {}): OpenTicket => ({
  type: 'OpenTicket',
  data: {
    ticketId: TICKET,
    customerId: CUSTOMER,
    channel: 'chat',
    channelDetails: { channel: 'chat', sessionId: 's-1' },
    subject: 'Withdrawal stuck',
    body: 'My USDT withdrawal on TRC20 has been pending for 3 hours',
    languageGiven: null,
    detectedLanguage: 'en',
    assetContext: { asset: 'USDT', network: 'TRC20', amount: '500.25' },
    linkedFromTicketId: null,
    now: at(0),
    ...overrides,
  },
});

export const opened = (overrides: Partial<TicketOpened['data']> = {}): TicketOpened => ({
  type: 'TicketOpened',
  schemaVersion: 3,
  data: {
    ticketId: TICKET,
    customerId: CUSTOMER,
    channel: 'chat',
    channelDetails: { channel: 'chat', sessionId: 's-1' },
    subject: 'Withdrawal stuck',
    subjectDerived: false,
    body: 'My USDT withdrawal on TRC20 has been pending for 3 hours',
    language: 'en',
    languageGiven: null,
    detectedLanguage: 'en',
    languageFallback: false,
    assetContext: { asset: 'USDT', network: 'TRC20', amount: '500.25' },
    linkedFromTicketId: null,
    openedAt: at(0),
    ...overrides,
  },
});

export const cmd = {
  assign: (assignee = AGENT, now = at(HOUR)): AssignTicket => ({ type: 'AssignTicket', data: { ticketId: TICKET, assignee, now } }),
  /** Routing's assignment, as the bus consumer sends it: nothing on a finished ticket. */
  routingAssign: (assignee = AGENT, now = at(HOUR)): AssignTicket => ({
    type: 'AssignTicket',
    data: { ticketId: TICKET, assignee, now, onFinished: 'ignore' },
  }),
  unassign: (assignee = AGENT, now = at(6 * HOUR), reason = 'agent_unavailable'): UnassignTicket => ({
    type: 'UnassignTicket',
    data: { ticketId: TICKET, assignee, reason, now },
  }),
  start: (now = at(2 * HOUR), by = AGENT): StartProgress => ({ type: 'StartProgress', data: { ticketId: TICKET, by, now } }),
  wait: (now = at(3 * HOUR), by = AGENT): WaitOnCustomer => ({ type: 'WaitOnCustomer', data: { ticketId: TICKET, by, now } }),
  resolve: (now = at(4 * HOUR), autoCloseAfterMs = AUTO_CLOSE_AFTER): ResolveTicket => ({
    type: 'ResolveTicket',
    data: { ticketId: TICKET, resolutionCode: 'withdrawal_released', by: AGENT, now, autoCloseAfterMs },
  }),
  selfServe: (customerId: string | null = CUSTOMER, articleId = 'reset-2fa-lost-phone', now = at(4 * HOUR)): SelfServeTicket => ({
    type: 'SelfServeTicket',
    data: { ticketId: TICKET, articleId, sessionId: 'kb-s1', customerId, by: customerId ?? 'svc-chat', now, autoCloseAfterMs: AUTO_CLOSE_AFTER },
  }),
  reopen: (now = at(5 * HOUR)): ReopenTicket => ({ type: 'ReopenTicket', data: { ticketId: TICKET, by: AGENT, now } }),
  close: (now = at(5 * HOUR)): CloseTicket => ({ type: 'CloseTicket', data: { ticketId: TICKET, by: AGENT, now } }),
  autoClose: (now: string): AutoCloseTicket => ({ type: 'AutoCloseTicket', data: { ticketId: TICKET, now } }),
  customerMessage: (messageId = 'm-c1', now = at(5 * HOUR), customerId = CUSTOMER): PostCustomerMessage => ({
    type: 'PostCustomerMessage',
    data: { ticketId: TICKET, messageId, customerId, body: 'Any news?', now, reopenWindowMs: REOPEN_WINDOW },
  }),
  agentReply: (messageId = 'm-a1', now = at(5 * HOUR), agentId = AGENT): PostAgentReply => ({
    type: 'PostAgentReply',
    data: { ticketId: TICKET, messageId, agentId, body: 'We are checking with the TRON node team.', now },
  }),
  note: (noteId = 'n-1', now = at(5 * HOUR)): AddInternalNote => ({
    type: 'AddInternalNote',
    data: { ticketId: TICKET, noteId, agentId: AGENT, body: 'Hot wallet was rebalancing', now },
  }),
  merge: (intoTicketId = 't-0', now = at(5 * HOUR), intoCustomerId = CUSTOMER): MergeTicket => ({
    type: 'MergeTicket',
    data: { ticketId: TICKET, intoTicketId, intoCustomerId, by: AGENT, now },
  }),
};

export const ev = {
  assigned: (assignee = AGENT, assignedAt = at(HOUR)): TicketAssigned => ({
    type: 'TicketAssigned',
    schemaVersion: 1,
    data: { ticketId: TICKET, assignee, assignedAt },
  }),
  unassigned: (previousAssignee = AGENT, at_ = at(6 * HOUR), reason = 'agent_unavailable'): TicketUnassigned => ({
    type: 'TicketUnassigned',
    schemaVersion: 1,
    data: { ticketId: TICKET, previousAssignee, reason, at: at_ },
  }),
  progressStarted: (at_ = at(2 * HOUR), by = AGENT): TicketProgressStarted => ({
    type: 'TicketProgressStarted',
    schemaVersion: 1,
    data: { ticketId: TICKET, by, at: at_ },
  }),
  waiting: (at_ = at(3 * HOUR), by = AGENT): TicketWaitingOnCustomer => ({
    type: 'TicketWaitingOnCustomer',
    schemaVersion: 1,
    data: { ticketId: TICKET, by, at: at_ },
  }),
  resolved: (resolvedAt = at(4 * HOUR), autoCloseAt = at(4 * HOUR + AUTO_CLOSE_AFTER)): TicketResolved => ({
    type: 'TicketResolved',
    schemaVersion: 1,
    data: { ticketId: TICKET, resolutionCode: 'withdrawal_released', by: AGENT, resolvedAt, autoCloseAt },
  }),
  selfServed: (articleId = 'reset-2fa-lost-phone', resolvedAt = at(4 * HOUR)): TicketSelfServed => ({
    type: 'TicketSelfServed',
    schemaVersion: 1,
    data: { ticketId: TICKET, articleId, sessionId: 'kb-s1', by: CUSTOMER, resolvedAt, autoCloseAt: at(4 * HOUR + AUTO_CLOSE_AFTER) },
  }),
  reopened: (reason: 'agent' | 'customer_reply' = 'agent', by = AGENT, reopenedAt = at(5 * HOUR)): TicketReopened => ({
    type: 'TicketReopened',
    schemaVersion: 1,
    data: { ticketId: TICKET, reason, by, reopenedAt },
  }),
  closed: (reason: 'manual' | 'auto_after_resolution' = 'manual', by = AGENT, closedAt = at(5 * HOUR)): TicketClosed => ({
    type: 'TicketClosed',
    schemaVersion: 1,
    data: { ticketId: TICKET, reason, by, closedAt },
  }),
  customerMessage: (messageId = 'm-c1', postedAt = at(5 * HOUR)): CustomerMessagePosted => ({
    type: 'CustomerMessagePosted',
    schemaVersion: 1,
    data: { ticketId: TICKET, messageId, customerId: CUSTOMER, body: 'Any news?', postedAt },
  }),
  agentReplied: (messageId = 'm-a1', postedAt = at(5 * HOUR), agentId = AGENT): AgentReplied => ({
    type: 'AgentReplied',
    schemaVersion: 1,
    data: { ticketId: TICKET, messageId, agentId, body: 'We are checking with the TRON node team.', postedAt },
  }),
  firstResponse: (respondedAt = at(5 * HOUR), elapsedSeconds = 5 * 3600, agentId = AGENT): FirstResponseGiven => ({
    type: 'FirstResponseGiven',
    schemaVersion: 1,
    data: { ticketId: TICKET, agentId, channel: 'chat', openedAt: at(0), respondedAt, elapsedSeconds },
  }),
  note: (noteId = 'n-1', addedAt = at(5 * HOUR)): InternalNoteAdded => ({
    type: 'InternalNoteAdded',
    schemaVersion: 1,
    data: { ticketId: TICKET, noteId, agentId: AGENT, body: 'Hot wallet was rebalancing', addedAt },
  }),
  merged: (intoTicketId = 't-0', mergedAt = at(5 * HOUR)): TicketMerged => ({
    type: 'TicketMerged',
    schemaVersion: 1,
    data: { ticketId: TICKET, intoTicketId, by: AGENT, mergedAt },
  }),
};

/** Histories that leave the ticket in each status. */
export const history = {
  open: () => [opened()],
  assigned: () => [opened(), ev.assigned()],
  inProgress: () => [opened(), ev.assigned(), ev.progressStarted()],
  waiting: () => [opened(), ev.assigned(), ev.progressStarted(), ev.waiting()],
  resolved: () => [opened(), ev.assigned(), ev.progressStarted(), ev.resolved()],
  closed: () => [opened(), ev.assigned(), ev.progressStarted(), ev.resolved(), ev.closed()],
  merged: () => [opened(), ev.merged()],
};
