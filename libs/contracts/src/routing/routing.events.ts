import type { Event } from '@ticketing/kernel';
import type { ContextContract } from '../context-contract';
import type { Channel, Language } from '../intake/intake.events';

/** The classifier's labels (docs/architecture.md §1): what a ticket is about, one primary each. */
export const CATEGORIES = [
  'account_access',
  'security_incident',
  'withdrawal_issue',
  'deposit_missing',
  'wrong_network_deposit',
  'kyc_verification',
  'liquidation_dispute',
  'trading_issue',
  'api_support',
  'fake_token_scam',
  'general_inquiry',
] as const;
export type Category = (typeof CATEGORIES)[number];

/** Categories a customer may solve with an article: the rest always need a person. */
export const SELF_SERVICE_CATEGORIES = CATEGORIES.filter(
  (category) => category !== 'security_incident' && category !== 'withdrawal_issue' && category !== 'liquidation_dispute',
);

/** Lowest first: rules only ever raise a priority by steps along this order. */
export const PRIORITIES = ['low', 'normal', 'high', 'emergency'] as const;
export type Priority = (typeof PRIORITIES)[number];

export type TicketQueued = Event<
  'TicketQueued',
  {
    ticketId: string;
    queue: string;
    /** Which routing rule chose the queue, so ops can explain a placement. */
    rule: string;
    queuedAt: string;
  }
>;

export type TicketClassified = Event<
  'TicketClassified',
  {
    ticketId: string;
    /** The ticket's channel and language as opened: with the signals, all a later recategorization re-queues by. */
    channel: Channel;
    language: Language;
    category: Category;
    priority: Priority;
    /** The model's probability for `category`, 0–1. */
    confidence: number;
    modelVersion: string;
    /** Why the priority is what it is and other facts rules used, e.g. `public_social`, `asset_amount_above_threshold`, `low_confidence`. */
    signals: readonly string[];
    classifiedAt: string;
  }
>;

export type TicketRecategorized = Event<
  'TicketRecategorized',
  {
    ticketId: string;
    from: Category;
    to: Category;
    /** The priority the rules give the new category (with the ticket's signals). */
    priority: Priority;
    /** The agent or supervisor who corrected it (actor id). */
    by: string;
    reason: string | null;
    recategorizedAt: string;
  }
>;

/** Every event on routing's `routing-<id>` streams. */
export type RoutingEvent = TicketQueued | TicketClassified | TicketRecategorized;

export const ROUTING_EVENT_TYPES = ['TicketQueued', 'TicketClassified', 'TicketRecategorized'] as const satisfies readonly RoutingEvent['type'][];

/**
 * Routing owns each ticket's `routing-<id>` stream (classification, queue, assignment) and each
 * agent's `agent-<agentId>` stream, ordered by agent, not by ticket.
 */
export const ROUTING_CONTRACT = {
  name: 'routing',
  streamPrefixes: ['routing-', 'agent-'],
  entityStreams: { 'agent-': 'agent' },
  eventTypes: ROUTING_EVENT_TYPES,
} as const satisfies ContextContract;
