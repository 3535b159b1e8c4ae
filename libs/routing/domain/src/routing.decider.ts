import { assertNever, ConflictError, IllegalStateError, NotFoundError, ValidationError, type Command, type Decider } from '@ticketing/kernel';
import {
  CHANNELS,
  LANGUAGES,
  PRIORITIES,
  type AssignmentRule,
  type Category,
  type Channel,
  type Language,
  type RoutingTicketEvent,
  type TicketClassified,
  type TicketQueued,
  type TicketRecategorized,
} from '@ticketing/contracts';
import { chooseQueue, decidePriority, SIGNALS, type RoutingRules } from './routing-rules';
import { evolveRouting, initialRoutingState, type RoutedState, type RoutingState } from './routing.state';

/** What the model said about a ticket's text. */
export type Prediction = Readonly<{ category: Category; confidence: number; modelVersion: string }>;

export type ClassifyTicket = Command<
  'ClassifyTicket',
  {
    ticketId: string;
    channel: Channel;
    language: Language;
    prediction: Prediction;
    assetAmountAboveThreshold: boolean;
    rules: RoutingRules;
    now: string;
  }
>;

export type RecategorizeTicket = Command<
  'RecategorizeTicket',
  { ticketId: string; to: Category; by: string; reason: string | null; rules: RoutingRules; now: string }
>;

export type AssignToAgent = Command<
  'AssignToAgent',
  { ticketId: string; agentId: string; rule: AssignmentRule; reason: string; by: string; now: string; reservationId?: string }
>;
export type ReleaseFromAgent = Command<
  'ReleaseFromAgent',
  { ticketId: string; agentId: string; reason: 'released' | 'agent_unavailable' | 'agent_retired'; by: string; now: string }
>;
export type TransferTicket = Command<
  'TransferTicket',
  { ticketId: string; toQueue: string | null; toAgentId: string | null; reason: string; by: string; now: string }
>;
export type EscalateTicket = Command<
  'EscalateTicket',
  {
    ticketId: string;
    cause: 'sla_breached' | 'sla_warning' | 'manual';
    causeEventId: string | null;
    reason: string;
    /** Whether the current holder may keep it in the supervisors' queue (holds `supervisor` clearance). */
    holderIsSupervisor: boolean;
    supervisorQueue: string;
    by: string;
    now: string;
  }
>;
export type FinishRouting = Command<'FinishRouting', { ticketId: string; reason: 'resolved' | 'closed' | 'merged'; now: string }>;
export type ReopenRouting = Command<'ReopenRouting', { ticketId: string; now: string }>;

export type RoutingCommand = ClassifyTicket | RecategorizeTicket | AssignToAgent | ReleaseFromAgent | TransferTicket | EscalateTicket | FinishRouting | ReopenRouting;

export const ROUTING_SCHEMA_VERSION = 1;

/** Classifies and queues in one decision. Idempotent: a ticket already routed (TicketOpened delivered twice) decides nothing. */
function classifyTicket(command: ClassifyTicket, state: RoutingState): readonly (TicketClassified | TicketQueued)[] {
  if (state.status !== 'unrouted') return [];
  const { ticketId, channel, language, prediction, assetAmountAboveThreshold, rules, now } = command.data;
  // A malformed TicketOpened (in the log before a fix, or forged) is refused, so it ends among the dead letters rather than in a made-up queue.
  if (!(CHANNELS as readonly string[]).includes(channel) || !(LANGUAGES as readonly string[]).includes(language)) {
    throw new ValidationError(`Ticket ${ticketId} has no routable channel and language (${String(channel)}, ${String(language)})`, [
      { field: 'channel', message: `must be one of ${CHANNELS.join(', ')}` },
    ]);
  }
  const { priority, signals } = decidePriority(prediction.category, { channel, assetAmountAboveThreshold }, rules.priority);
  const lowConfidence = prediction.confidence < rules.minConfidence;
  const { queue, rule } = chooseQueue({ category: prediction.category, priority, channel, language, confidence: prediction.confidence }, rules);
  return [
    {
      type: 'TicketClassified',
      schemaVersion: ROUTING_SCHEMA_VERSION,
      data: {
        ticketId,
        channel,
        language,
        category: prediction.category,
        priority,
        confidence: prediction.confidence,
        modelVersion: prediction.modelVersion,
        signals: lowConfidence ? [...signals, 'low_confidence'] : signals,
        classifiedAt: now,
      },
    },
    { type: 'TicketQueued', schemaVersion: ROUTING_SCHEMA_VERSION, data: { ticketId, queue, rule, queuedAt: now } },
  ];
}

/** A person corrects the category: the priority follows by the same rules and the ticket moves queue if it must. */
function recategorizeTicket(command: RecategorizeTicket, state: RoutingState): readonly (TicketRecategorized | TicketQueued)[] {
  const { ticketId, to, by, reason, rules, now } = command.data;
  if (state.status === 'unrouted') throw new NotFoundError(`Ticket ${ticketId} has not been classified (unknown or not yet routed)`);
  if (state.status === 'queued') throw new IllegalStateError('queued without a category', 'recategorize', `Ticket ${ticketId} was queued before classification existed and has no category to correct`);
  if (state.category === to) return [];
  const { priority } = decidePriority(
    to,
    { channel: state.channel, assetAmountAboveThreshold: state.signals.includes(SIGNALS.assetAmountAboveThreshold) },
    rules.priority,
  );
  const recategorized: TicketRecategorized = {
    type: 'TicketRecategorized',
    schemaVersion: ROUTING_SCHEMA_VERSION,
    data: { ticketId, from: state.category, to, priority, by, reason, recategorizedAt: now },
  };
  const { queue, rule } = chooseQueue({ category: to, priority, channel: state.channel, language: state.language, confidence: null }, rules);
  if (queue === state.queue) return [recategorized];
  return [recategorized, { type: 'TicketQueued', schemaVersion: ROUTING_SCHEMA_VERSION, data: { ticketId, queue, rule, queuedAt: now } }];
}

const routed = (state: RoutingState, ticketId: string, action: string): RoutedState => {
  if (state.status === 'unrouted') throw new NotFoundError(`Ticket ${ticketId} is not routed (unknown, or not yet queued): cannot ${action}`);
  return state;
};
const queueOf = (state: RoutedState): string => state.queue ?? 'triage';
/** The holder's reservation, carried on its release so only that one is given back. */
const reservationOf = (state: RoutedState): { reservationId?: string } => (state.holderReservation === null ? {} : { reservationId: state.holderReservation });
const event = <E extends RoutingTicketEvent>(type: E['type'], data: E['data']): E => ({ type, schemaVersion: ROUTING_SCHEMA_VERSION, data }) as E;

/** The ticket side of an assignment: one holder at a time (the agent's capacity was reserved on its own stream first). */
function assignToAgent(command: AssignToAgent, state: RoutingState): readonly RoutingTicketEvent[] {
  const { ticketId, agentId, rule, reason, by, now, reservationId } = command.data;
  const ticket = routed(state, ticketId, 'assign it');
  if (ticket.holder === agentId) return [];
  if (ticket.finished) throw new IllegalStateError('finished', 'assign', `Ticket ${ticketId} is resolved or closed: nothing to assign`);
  if (ticket.holder !== null) throw new ConflictError(`Ticket ${ticketId} is held by agent ${ticket.holder}: release or transfer it first`, { holder: ticket.holder });
  return [event('TicketAssignedToAgent', { ticketId, agentId, queue: queueOf(ticket), rule, reason, by, assignedAt: now, ...(reservationId !== undefined ? { reservationId } : {}) })];
}

function releaseFromAgent(command: ReleaseFromAgent, state: RoutingState): readonly RoutingTicketEvent[] {
  const { ticketId, agentId, reason, by, now } = command.data;
  const ticket = routed(state, ticketId, 'release it');
  if (ticket.holder !== agentId) {
    if (ticket.holder === null) return [];
    throw new ConflictError(`Ticket ${ticketId} is held by agent ${ticket.holder}, not ${agentId}`, { holder: ticket.holder });
  }
  return [event('TicketReleasedFromAgent', { ticketId, agentId, queue: queueOf(ticket), reason, by, releasedAt: now, ...reservationOf(ticket) })];
}

/** To another queue (waiting there) or agent (assigned next, through its capacity): each a counted transfer. */
function transferTicket(command: TransferTicket, state: RoutingState): readonly RoutingTicketEvent[] {
  const { ticketId, toQueue, toAgentId, reason, by, now } = command.data;
  const ticket = routed(state, ticketId, 'transfer it');
  if (ticket.finished) throw new IllegalStateError('finished', 'transfer', `Ticket ${ticketId} is resolved or closed: it cannot be transferred`);
  if (toQueue === null && toAgentId === null) throw new ValidationError('A transfer names a queue or an agent', [{ field: 'toQueue', message: 'give toQueue or toAgentId' }]);
  const fromQueue = queueOf(ticket);
  const queue = toQueue ?? fromQueue;
  if (queue === fromQueue && (toAgentId === null || toAgentId === ticket.holder)) return [];
  return [
    event('TicketTransferred', { ticketId, fromQueue, toQueue: queue, fromAgentId: ticket.holder, toAgentId, reason, by, transferredAt: now }),
    ...(ticket.holder !== null ? [event('TicketReleasedFromAgent', { ticketId, agentId: ticket.holder, queue, reason: 'transferred', by, releasedAt: now, ...reservationOf(ticket) })] : []),
    ...(queue !== fromQueue ? [event('TicketQueued', { ticketId, queue, rule: 'transfer', queuedAt: now })] : []),
  ];
}

/** Priority up one step (an emergency stays one), off to the supervisors' queue; an SLA event escalates once. */
function escalateTicket(command: EscalateTicket, state: RoutingState): readonly RoutingTicketEvent[] {
  const { ticketId, cause, causeEventId, reason, holderIsSupervisor, supervisorQueue, by, now } = command.data;
  const ticket = routed(state, ticketId, 'escalate it');
  if (causeEventId !== null && ticket.escalatedFor.includes(causeEventId)) return [];
  if (ticket.finished) {
    if (cause !== 'manual') return [];
    throw new IllegalStateError('finished', 'escalate', `Ticket ${ticketId} is resolved or closed: nothing to escalate`);
  }
  const fromPriority = ticket.status === 'classified' ? ticket.priority : null;
  // A warning escalates only an emergency, and only out of its own queue: the 90% warning finds it with the supervisors already.
  if (cause === 'sla_warning' && (fromPriority !== 'emergency' || queueOf(ticket) === supervisorQueue)) return [];
  const toPriority = PRIORITIES[Math.min(PRIORITIES.indexOf(fromPriority ?? 'normal') + 1, PRIORITIES.length - 1)]!;
  const fromQueue = queueOf(ticket);
  const releases = ticket.holder !== null && !holderIsSupervisor;
  return [
    event('TicketEscalated', { ticketId, fromPriority, toPriority, fromQueue, toQueue: supervisorQueue, cause, causeEventId, reason, by, escalatedAt: now }),
    ...(releases ? [event('TicketReleasedFromAgent', { ticketId, agentId: ticket.holder!, queue: supervisorQueue, reason: 'escalated', by, releasedAt: now, ...reservationOf(ticket) })] : []),
    ...(fromQueue !== supervisorQueue ? [event('TicketQueued', { ticketId, queue: supervisorQueue, rule: 'escalation', queuedAt: now })] : []),
  ];
}

function finishRouting(command: FinishRouting, state: RoutingState): readonly RoutingTicketEvent[] {
  const { ticketId, reason, now } = command.data;
  // A ticket resolved before routing saw it (or never routed): nothing to stop.
  if (state.status === 'unrouted' || state.finished) return [];
  return [
    event('TicketRoutingFinished', { ticketId, reason, finishedAt: now }),
    ...(state.holder !== null ? [event('TicketReleasedFromAgent', { ticketId, agentId: state.holder, queue: queueOf(state), reason: 'finished', by: 'routing', releasedAt: now, ...reservationOf(state) })] : []),
  ];
}

function reopenRouting(command: ReopenRouting, state: RoutingState): readonly RoutingTicketEvent[] {
  if (state.status === 'unrouted' || !state.finished) return [];
  return [event('TicketRoutingReopened', { ticketId: command.data.ticketId, queue: queueOf(state), reopenedAt: command.data.now })];
}

export function decideRouting(command: RoutingCommand, state: RoutingState): readonly RoutingTicketEvent[] {
  switch (command.type) {
    case 'ClassifyTicket':
      return classifyTicket(command, state);
    case 'RecategorizeTicket':
      return recategorizeTicket(command, state);
    case 'AssignToAgent':
      return assignToAgent(command, state);
    case 'ReleaseFromAgent':
      return releaseFromAgent(command, state);
    case 'TransferTicket':
      return transferTicket(command, state);
    case 'EscalateTicket':
      return escalateTicket(command, state);
    case 'FinishRouting':
      return finishRouting(command, state);
    case 'ReopenRouting':
      return reopenRouting(command, state);
    default:
      return assertNever(command);
  }
}

/** The write model of routing's `routing-<id>` stream. */
export const routingDecider: Decider<RoutingState, RoutingCommand, RoutingTicketEvent> = {
  initialState: initialRoutingState,
  evolve: evolveRouting,
  decide: decideRouting,
};
