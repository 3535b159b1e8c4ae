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

/** How a ticket reached an agent: the dispatcher's choice, a supervisor's, the agent's own claim. */
export type AssignmentRule = 'auto' | 'manual' | 'claim' | 'transfer';

/** The ticket is held by an agent (the capacity is reserved on the agent's stream first: AgentTicketTaken). */
export type TicketAssignedToAgent = Event<
  'TicketAssignedToAgent',
  {
    ticketId: string;
    agentId: string;
    queue: string;
    rule: AssignmentRule;
    reason: string;
    by: string;
    assignedAt: string;
    /** The agent's reservation this holding uses (AgentTicketTaken); absent on events written before reservations had ids. */
    reservationId?: string;
  }
>;

/** The agent no longer holds the ticket; it waits in `queue` again (unless `finished`: resolved, closed, merged). */
export type TicketReleasedFromAgent = Event<
  'TicketReleasedFromAgent',
  {
    ticketId: string;
    agentId: string;
    queue: string;
    reason: 'released' | 'transferred' | 'escalated' | 'agent_unavailable' | 'agent_retired' | 'finished';
    by: string;
    releasedAt: string;
    /** The reservation the holding used: only it is given back (a newer one of the same ticket stays). */
    reservationId?: string;
  }
>;

/** Moved to another queue or agent by a person, with a reason; counted against first-contact resolution. */
export type TicketTransferred = Event<
  'TicketTransferred',
  { ticketId: string; fromQueue: string; toQueue: string; fromAgentId: string | null; toAgentId: string | null; reason: string; by: string; transferredAt: string }
>;

/** Priority up one step and off to the supervisors' queue: on an SLA breach (or an emergency's warning), or by hand. */
export type TicketEscalated = Event<
  'TicketEscalated',
  {
    ticketId: string;
    fromPriority: Priority | null;
    toPriority: Priority;
    fromQueue: string;
    toQueue: string;
    cause: 'sla_breached' | 'sla_warning' | 'manual';
    /** The SLA event that caused it (its id): a redelivered breach escalates once. */
    causeEventId: string | null;
    reason: string;
    by: string;
    escalatedAt: string;
  }
>;

/** Resolved, closed or merged in intake: routing stops dispatching it and frees its agent. */
export type TicketRoutingFinished = Event<'TicketRoutingFinished', { ticketId: string; reason: 'resolved' | 'closed' | 'merged'; finishedAt: string }>;

/** A ticket back from resolved (intake's TicketReopened): routing dispatches it again. */
export type TicketRoutingReopened = Event<'TicketRoutingReopened', { ticketId: string; queue: string; reopenedAt: string }>;

/** Every event on routing's `routing-<id>` streams. */
export type RoutingTicketEvent =
  | TicketQueued
  | TicketClassified
  | TicketRecategorized
  | TicketAssignedToAgent
  | TicketReleasedFromAgent
  | TicketTransferred
  | TicketEscalated
  | TicketRoutingFinished
  | TicketRoutingReopened;

export const AGENT_CLEARANCES = ['security', 'recovery', 'disputes', 'supervisor'] as const;
export type AgentClearance = (typeof AGENT_CLEARANCES)[number];
export const AGENT_AVAILABILITIES = ['online', 'away', 'offline'] as const;
export type AgentAvailability = (typeof AGENT_AVAILABILITIES)[number];

/** A weekly working window in the agent's time zone. */
export type AgentShift = Readonly<{ days: readonly ('mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun')[]; start: string; end: string }>;

export type AgentProfile = Readonly<{
  displayName: string;
  languages: readonly Language[];
  /** Categories the agent handles. */
  skills: readonly Category[];
  clearances: readonly AgentClearance[];
  /** Open tickets the agent may hold at once, per channel (a channel missing: the configured default). */
  capacity: Readonly<Partial<Record<Channel, number>>>;
  /** IANA zone of the shifts; null: UTC. */
  timeZone: string | null;
  /** Empty: always on shift. */
  shifts: readonly AgentShift[];
}>;

/** An agent created or edited (`agent-<agentId>`). */
export type AgentProfileSaved = Event<'AgentProfileSaved', { agentId: string; profile: AgentProfile; savedBy: string; savedAt: string }>;
export type AgentAvailabilityChanged = Event<'AgentAvailabilityChanged', { agentId: string; from: AgentAvailability; to: AgentAvailability; by: string; changedAt: string }>;
/** The agent no longer works tickets: nothing is assigned to it any more, its tickets are released. */
export type AgentRetired = Event<'AgentRetired', { agentId: string; by: string; retiredAt: string }>;
/** Capacity reserved for a ticket: the agent's side of an assignment, decided on the agent's stream so capacity is never exceeded. */
export type AgentTicketTaken = Event<'AgentTicketTaken', { agentId: string; ticketId: string; channel: Channel; takenAt: string; reservationId?: string }>;
/** Capacity freed: the ticket was released, finished, moved, or its assignment lost a race. */
export type AgentTicketDropped = Event<'AgentTicketDropped', { agentId: string; ticketId: string; channel: Channel; reason: string; droppedAt: string; reservationId?: string }>;

/** Every event on routing's `agent-<agentId>` streams. */
export type AgentEvent = AgentProfileSaved | AgentAvailabilityChanged | AgentRetired | AgentTicketTaken | AgentTicketDropped;

export type RoutingEvent = RoutingTicketEvent | AgentEvent;

export const ROUTING_TICKET_EVENT_TYPES = [
  'TicketQueued',
  'TicketClassified',
  'TicketRecategorized',
  'TicketAssignedToAgent',
  'TicketReleasedFromAgent',
  'TicketTransferred',
  'TicketEscalated',
  'TicketRoutingFinished',
  'TicketRoutingReopened',
] as const satisfies readonly RoutingTicketEvent['type'][];

export const AGENT_EVENT_TYPES = ['AgentProfileSaved', 'AgentAvailabilityChanged', 'AgentRetired', 'AgentTicketTaken', 'AgentTicketDropped'] as const satisfies readonly AgentEvent['type'][];

export const ROUTING_EVENT_TYPES = [...ROUTING_TICKET_EVENT_TYPES, ...AGENT_EVENT_TYPES] as const satisfies readonly RoutingEvent['type'][];

/** Stream names of the routing context. */
export const routingStreams = {
  ticket: (ticketId: string) => `routing-${ticketId}`,
  agent: (agentId: string) => `agent-${agentId}`,
} as const;

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
