import type { IntakeEvent, RoutingEvent } from '@ticketing/contracts';
import type { SlaClockCommand, SlaEnvironment } from './sla-clock.decider';

/** The other contexts' public events an SLA clock follows. */
export const SLA_FACT_EVENT_TYPES = [
  'TicketOpened',
  'TicketClassified',
  'TicketRecategorized',
  'FirstResponseGiven',
  'AgentReplied',
  'CustomerMessagePosted',
  'TicketWaitingOnCustomer',
  'TicketProgressStarted',
  'TicketResolved',
  'TicketSelfServed',
  'TicketReopened',
  'TicketClosed',
  'TicketMerged',
  'TicketEscalated',
] as const satisfies readonly (IntakeEvent | RoutingEvent)['type'][];

export type SlaFactEvent = Extract<IntakeEvent | RoutingEvent, { type: (typeof SLA_FACT_EVENT_TYPES)[number] }>;

/**
 * The clock command an intake or routing event stands for, at the time it happened (not when it
 * arrived): the consumer and the what-if replay both go through here, so they cannot disagree.
 */
export function slaCommandOf(event: SlaFactEvent, env: SlaEnvironment): SlaClockCommand {
  const ticketId = event.data.ticketId;
  switch (event.type) {
    case 'TicketOpened':
      return { type: 'TrackTicket', data: { ticketId, at: event.data.openedAt, env, channel: event.data.channel, language: event.data.language } };
    case 'TicketClassified':
      return { type: 'ApplyClassification', data: { ticketId, at: event.data.classifiedAt, env, priority: event.data.priority, category: event.data.category, because: 'classified' } };
    case 'TicketRecategorized':
      return { type: 'ApplyClassification', data: { ticketId, at: event.data.recategorizedAt, env, priority: event.data.priority, category: event.data.to, because: 'recategorized' } };
    case 'FirstResponseGiven':
      return { type: 'NoteFirstResponse', data: { ticketId, at: event.data.respondedAt, env } };
    case 'AgentReplied':
      return { type: 'NoteAgentReply', data: { ticketId, at: event.data.postedAt, env } };
    case 'CustomerMessagePosted':
      return { type: 'NoteCustomerMessage', data: { ticketId, at: event.data.postedAt, env } };
    case 'TicketWaitingOnCustomer':
      return { type: 'NoteWaitingOnCustomer', data: { ticketId, at: event.data.at, env } };
    case 'TicketProgressStarted':
      return { type: 'NoteProgressStarted', data: { ticketId, at: event.data.at, env } };
    case 'TicketResolved':
      return { type: 'NoteResolved', data: { ticketId, at: event.data.resolvedAt, env, selfServed: false } };
    case 'TicketSelfServed':
      return { type: 'NoteResolved', data: { ticketId, at: event.data.resolvedAt, env, selfServed: true } };
    case 'TicketReopened':
      return { type: 'NoteReopened', data: { ticketId, at: event.data.reopenedAt, env } };
    case 'TicketClosed':
      return { type: 'NoteClosed', data: { ticketId, at: event.data.closedAt, env, reason: 'closed' } };
    case 'TicketMerged':
      return { type: 'NoteClosed', data: { ticketId, at: event.data.mergedAt, env, reason: 'merged' } };
    case 'TicketEscalated':
      return { type: 'ApplyClassification', data: { ticketId, at: event.data.escalatedAt, env, priority: event.data.toPriority, category: null, because: 'priority_changed' } };
  }
}
