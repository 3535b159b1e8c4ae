import type { RecordedEvent } from '@ticketing/event-store';
import {
  disputesStreams,
  SLA_TARGETS,
  slaStreams,
  streams,
  upcastPublicEvent,
  type AssignmentRule,
  type Category,
  type Channel,
  type DisputedPosition,
  type DisputeEvent,
  type DisputeOutcome,
  type IntakeEvent,
  type Language,
  type MisdirectedDeposit,
  type Priority,
  type RecoveryCondition,
  type RecoveryEvent,
  type RoutingTicketEvent,
  type SlaClockEvent,
  type SlaClockStopped,
  type SlaPolicyApplied,
  type SlaTarget,
  type TicketOpened,
  type TicketRoutingFinished,
  type TicketStatus,
} from '@ticketing/contracts';
import type { Actor } from '@ticketing/kernel';

// ---------------------------------------------------------------------------------------------
// The state: what each context had recorded about one ticket at a past moment. Plain JSON.
// ---------------------------------------------------------------------------------------------

/** The moment the state is asked at: the caller cut the ticket's events there. */
export type StateMoment = Readonly<{
  /** Global position of the cut: events at or before it are folded. */
  position: number;
  /** The instant of the cut (ISO 8601), as the caller resolved it. */
  time: string;
}>;

/** The newest event folded. */
export type LastEventAt = Readonly<{
  /** Its global position. */
  position: number;
  /** Its stream (`ticket-<id>`, `routing-<id>`, `sla-<id>`, `dispute-<id>` or `recovery-<id>`). */
  stream: string;
  /** Its type as stored after upcasting (possibly one this fold does not know). */
  type: string;
  /** When the store recorded it (ISO 8601). */
  recordedAt: string;
}>;

/** The ticket as intake (`ticket-<id>`) saw it. */
export type IntakeStateAt = Readonly<{
  /** Lifecycle status, folded exactly as intake folds it (`assigned` while someone holds an open ticket). */
  status: TicketStatus;
  /** The customer who opened it. */
  customerId: string;
  /** Where it came in. */
  channel: Channel;
  /** The language it is handled in. */
  language: Language;
  /** The subject, as given or derived from the body. */
  subject: string;
  /** When it was opened (ISO 8601). */
  openedAt: string;
  /** The closed ticket this one continues, if any. */
  linkedFromTicketId: string | null;
  /** Who held it (intake's TicketAssigned / TicketUnassigned), null when no one. */
  assignee: string | null;
  /** When the first public agent reply was given, null before it. */
  firstResponseAt: string | null;
  /** Messages the customer posted after the opening one. */
  customerMessages: number;
  /** Public replies agents posted. */
  agentReplies: number;
  /** Staff-only notes added. */
  internalNotes: number;
  /** When the customer last posted a message after the opening one, null if never. */
  lastCustomerMessageAt: string | null;
  /** When an agent last replied publicly, null if never. */
  lastAgentReplyAt: string | null;
  /** When it was resolved (by an agent or self-served); null unless resolved since the last reopen. Kept once closed. */
  resolvedAt: string | null;
  /** The agent's resolution code; null when not resolved, or self-served. */
  resolutionCode: string | null;
  /** The article the customer marked as solving it, while resolved as self-served. */
  selfServedByArticle: string | null;
  /** When it closes by itself, while resolved. */
  autoCloseAt: string | null;
  /** When it was closed, null unless closed. */
  closedAt: string | null;
  /** How many times it came back from resolved. */
  reopens: number;
  /** The ticket it was merged into, once merged. */
  mergedInto: string | null;
}>;

/** Routing's view of where the ticket stands with people. */
export type RoutingStatusAt = 'waiting' | 'assigned' | 'finished';

/** One correction of the category by a person. */
export type RecategorizationAt = Readonly<{
  /** The category before. */
  from: Category;
  /** The category after. */
  to: Category;
  /** The priority the rules gave the new category. */
  priority: Priority;
  /** Who corrected it (actor id). */
  by: string;
  /** Why, if a reason was given. */
  reason: string | null;
  /** When (ISO 8601). */
  at: string;
}>;

/** The ticket as routing (`routing-<id>`) saw it. */
export type RoutingStateAt = Readonly<{
  /** `waiting` in a queue, `assigned` to an agent, or `finished` (resolved, closed or merged). */
  status: RoutingStatusAt;
  /** The current category; null on a ticket queued by channel alone, before classification existed. */
  category: Category | null;
  /** The current priority (classification, recategorization, escalation); null when never classified nor escalated. */
  priority: Priority | null;
  /** The model's probability for the category it predicted (not changed by a person's recategorization). */
  confidence: number | null;
  /** The model that classified it. */
  modelVersion: string | null;
  /** The facts the priority rules used at classification (e.g. `public_social`, `low_confidence`). */
  signals: readonly string[];
  /** When it was classified. */
  classifiedAt: string | null;
  /** The queue it waits in or was taken from. */
  queue: string | null;
  /** The routing rule that last queued it (`transfer`, `escalation` or a routing rule's name). */
  queueRule: string | null;
  /** The agent holding it, null when none. */
  assignee: string | null;
  /** How the holder got it: `auto`, `manual`, `claim` or `transfer`; null when no one holds it. */
  assignmentRule: AssignmentRule | null;
  /** When the holder got it. */
  assignedAt: string | null;
  /** Why routing finished it, while finished. */
  finishedReason: TicketRoutingFinished['data']['reason'] | null;
  /** Transfers to another queue or agent by a person. */
  transfers: number;
  /** Escalations (SLA breach or warning, or by hand). */
  escalations: number;
  /** Every correction of the category, oldest first. */
  recategorizations: readonly RecategorizationAt[];
}>;

/** Phase of an SLA clock; a missed target is `breachedAt`, the clock runs on until met or stopped. */
export type SlaClockPhase = 'running' | 'paused' | 'met' | 'stopped';

/** One target's clock as SLA last (re)started it. */
export type SlaClockAt = Readonly<{
  /** What it measures. */
  target: SlaTarget;
  /** Running, paused, met or stopped (never to be met). */
  phase: SlaClockPhase;
  /** The policy version that set its duration. */
  policyVersion: number;
  /** The policy rule that set its duration. */
  rule: string;
  /** The target duration (ISO 8601, e.g. `PT30M`). */
  duration: string;
  /** The business calendar it counts in. */
  calendar: string;
  /** When this clock started (a new start of the same target, e.g. the next response, replaces it). */
  startedAt: string;
  /** When it is or was due; null while paused. */
  dueAt: string | null;
  /** Since when it is paused, while paused. */
  pausedAt: string | null;
  /** Working seconds counted as of its last retiming, pause, met or stop; null if none yet (a running clock's live count needs its calendar). */
  elapsedSeconds: number | null;
  /** Warnings issued so far. */
  warnings: number;
  /** When the last warning was issued. */
  warnedAt: string | null;
  /** When the target was missed; null if it was not (yet). */
  breachedAt: string | null;
  /** When it was met; null unless met. */
  metAt: string | null;
  /** Whether it was met within its target; null unless met. */
  metWithinTarget: boolean | null;
  /** When it was stopped; null unless stopped. */
  stoppedAt: string | null;
  /** Why it was stopped; null unless stopped. */
  stopReason: SlaClockStopped['data']['reason'] | null;
}>;

/** One target of the policy version applied, with the rule that set it. */
export type SlaPolicyTargetAt = SlaPolicyApplied['data']['targets'][number];

/** The ticket as SLA (`sla-<id>`) saw it. */
export type SlaStateAt = Readonly<{
  /** When SLA started tracking it (the ticket's opening); null if not tracked yet. */
  openedAt: string | null;
  /** The policy version last applied; null before any. */
  policyVersion: number | null;
  /** Why it was last applied: `opened`, `classified`, `recategorized` or `priority_changed`. */
  appliedBecause: SlaPolicyApplied['data']['because'] | null;
  /** When it was last applied. */
  appliedAt: string | null;
  /** The priority the policy was last matched on. */
  priority: Priority | null;
  /** The category the policy was last matched on. */
  category: Category | null;
  /** Per target, the rule, duration and calendar of the policy last applied. */
  targets: readonly SlaPolicyTargetAt[];
  /** The current clock of each target started, in the order firstResponse, nextResponse, processingStart, resolution. */
  clocks: readonly SlaClockAt[];
}>;

/** The deviation assessment of the current round. */
export type DisputeAssessmentAt = Readonly<{
  /** |liquidation price − index price| / index price, a decimal string. */
  deviation: string;
  /** The tolerance it was measured against. */
  tolerance: string;
  /** Whether the deviation is within the tolerance. */
  withinTolerance: boolean;
  /** The index price at the liquidation time. */
  indexPrice: string;
  /** The index price evidence used. */
  evidenceIds: readonly string[];
  /** When it was assessed. */
  assessedAt: string;
}>;

/** The decision that sealed the current round. */
export type DisputeDecisionAt = Readonly<{
  /** `upheld`, `compensated` or `rejected`. */
  outcome: DisputeOutcome;
  /** What is paid, exactly when compensated. */
  compensation: Readonly<{ amount: string; asset: string }> | null;
  /** The reason given. */
  reason: string;
  /** The evidence the decision cites. */
  citedEvidenceIds: readonly string[];
  /** Who decided. */
  decidedBy: Actor;
  /** When. */
  decidedAt: string;
}>;

/** The liquidation dispute (`dispute-<id>`) as the disputes context saw it. */
export type DisputeStateAt = Readonly<{
  /** `open` taking evidence, `sealed` once the current round is decided. */
  status: 'open' | 'sealed';
  /** The current round (1, or a later appeal round). */
  round: number;
  /** The customer disputing. */
  customerId: string;
  /** The liquidated position. */
  position: DisputedPosition;
  /** The price it was liquidated at. */
  liquidationPrice: string;
  /** When it was liquidated. */
  liquidatedAt: string;
  /** The tolerance in force when the current round opened. */
  tolerance: string;
  /** Who opened the current round. */
  openedBy: Actor;
  /** When the current round opened. */
  openedAt: string;
  /** The sealed round the current one appeals, with the reason; null for round 1. */
  appealOf: Readonly<{ round: number; reason: string }> | null;
  /** Evidence items on the case, every round's (every round keeps the earlier evidence). */
  evidence: number;
  /** The current round's assessment, null before it. */
  assessment: DisputeAssessmentAt | null;
  /** The current round's decision, null while open. */
  decision: DisputeDecisionAt | null;
}>;

/** Where a wrong-network recovery stands. */
export type RecoveryStatusAt = 'requested' | 'quoted' | 'accepted' | 'declined' | 'tracing' | 'succeeded' | 'failed';

/** The latest quote (the accepted one once accepted). */
export type RecoveryQuoteAt = Readonly<{
  /** Its id. */
  quoteId: string;
  /** The deposit amount it is for. */
  amount: string;
  /** The asset. */
  asset: string;
  /** The fee charged on success. */
  fee: string;
  /** amount − fee: credited if, and only if, the recovery succeeds. */
  creditedOnSuccess: string;
  /** The ETA window in working days. */
  etaWorkingDays: Readonly<{ min: number; max: number }>;
  /** When it was quoted. */
  quotedAt: string;
  /** Until when it may be accepted. */
  validUntil: string;
}>;

/** How a recovery ended. */
export type RecoveryOutcomeAt =
  | Readonly<{ kind: 'succeeded'; credited: string; fee: string; asset: string; creditTxHash: string | null; by: Actor; at: string }>
  | Readonly<{ kind: 'failed'; reason: string; by: Actor; at: string }>
  | Readonly<{ kind: 'declined'; quoteId: string; reason: string | null; by: Actor; at: string }>;

/** The wrong-network recovery (`recovery-<id>`) as the disputes context saw it. */
export type RecoveryStateAt = Readonly<{
  /** Requested, quoted, accepted, declined, tracing, succeeded or failed. */
  status: RecoveryStatusAt;
  /** The customer it is for. */
  customerId: string;
  /** The misdirected deposit, normalized. */
  deposit: MisdirectedDeposit;
  /** The rule that judged it feasible. */
  rule: string;
  /** What the recovery requires (e.g. proof of ownership). */
  conditions: readonly RecoveryCondition[];
  /** When it was requested. */
  requestedAt: string;
  /** The latest quote; null before one. */
  quote: RecoveryQuoteAt | null;
  /** When the quote was accepted. */
  acceptedAt: string | null;
  /** Start of the ETA window, once accepted. */
  etaFrom: string | null;
  /** End of the ETA window, once accepted. */
  etaTo: string | null;
  /** Proofs submitted. */
  proofs: number;
  /** When on-chain tracing started. */
  tracingStartedAt: string | null;
  /** When the ETA window was found overrun, null if it was not. */
  overrunDetectedAt: string | null;
  /** How it ended, null while it has not. */
  outcome: RecoveryOutcomeAt | null;
}>;

/** A ticket as every context saw it at a moment: each part folded from that context's events up to it. */
export type TicketStateAt = Readonly<{
  /** The ticket asked about. */
  ticketId: string;
  /** The moment asked at. */
  at: StateMoment;
  /** False when none of the ticket's streams had an event yet at that moment (every part is then null). */
  existed: boolean;
  /** Events of the ticket's streams folded, unknown types included. */
  events: number;
  /** The newest event folded, null when none. */
  lastEvent: LastEventAt | null;
  /** Intake's view; null before the ticket was opened. */
  intake: IntakeStateAt | null;
  /** Routing's view; null before it was classified or queued. */
  routing: RoutingStateAt | null;
  /** SLA's view; null before SLA recorded anything. */
  sla: SlaStateAt | null;
  /** The liquidation dispute; null when none was opened. */
  dispute: DisputeStateAt | null;
  /** The wrong-network recovery; null when none was requested. */
  recovery: RecoveryStateAt | null;
}>;

// ---------------------------------------------------------------------------------------------
// The folds, one per context. Each switch handles every known type of its context; a type added
// later is ignored at run time (forward compatible) and flagged here at compile time.
// ---------------------------------------------------------------------------------------------

/** The default of every switch: `event` is `never` while every known type is handled. */
const ignoreUnknown = <S>(state: S, _event: never): S => state;

function openedIntake(data: TicketOpened['data']): IntakeStateAt {
  return {
    status: 'open',
    customerId: data.customerId,
    channel: data.channel,
    language: data.language,
    subject: data.subject,
    openedAt: data.openedAt,
    linkedFromTicketId: data.linkedFromTicketId,
    assignee: null,
    firstResponseAt: null,
    customerMessages: 0,
    agentReplies: 0,
    internalNotes: 0,
    lastCustomerMessageAt: null,
    lastAgentReplyAt: null,
    resolvedAt: null,
    resolutionCode: null,
    selfServedByArticle: null,
    autoCloseAt: null,
    closedAt: null,
    reopens: 0,
    mergedInto: null,
  };
}

/** Intake's lifecycle, as intake's own fold has it (libs/intake/domain ticket.state.ts). */
function evolveIntakeAt(state: IntakeStateAt | null, event: IntakeEvent): IntakeStateAt | null {
  if (event.type === 'TicketOpened') return openedIntake(event.data);
  // Nothing precedes TicketOpened in a well-formed stream: ignore rather than invent a ticket.
  if (state === null) return state;
  switch (event.type) {
    case 'TicketAssigned':
      return { ...state, assignee: event.data.assignee, status: state.status === 'open' ? 'assigned' : state.status };
    case 'TicketUnassigned':
      return { ...state, assignee: null, status: state.status === 'assigned' ? 'open' : state.status };
    case 'TicketProgressStarted':
      return { ...state, status: 'in_progress' };
    case 'TicketWaitingOnCustomer':
      return { ...state, status: 'waiting_on_customer' };
    case 'TicketResolved':
      return { ...state, status: 'resolved', resolvedAt: event.data.resolvedAt, resolutionCode: event.data.resolutionCode, selfServedByArticle: null, autoCloseAt: event.data.autoCloseAt };
    case 'TicketSelfServed':
      return { ...state, status: 'resolved', resolvedAt: event.data.resolvedAt, resolutionCode: null, selfServedByArticle: event.data.articleId, autoCloseAt: event.data.autoCloseAt };
    case 'TicketReopened':
      return {
        ...state,
        status: state.assignee === null ? 'open' : 'assigned',
        resolvedAt: null,
        resolutionCode: null,
        selfServedByArticle: null,
        autoCloseAt: null,
        closedAt: null,
        reopens: state.reopens + 1,
      };
    case 'TicketClosed':
      return { ...state, status: 'closed', closedAt: event.data.closedAt, autoCloseAt: null };
    case 'CustomerMessagePosted':
      return { ...state, customerMessages: state.customerMessages + 1, lastCustomerMessageAt: event.data.postedAt };
    case 'AgentReplied':
      return { ...state, agentReplies: state.agentReplies + 1, lastAgentReplyAt: event.data.postedAt };
    case 'InternalNoteAdded':
      return { ...state, internalNotes: state.internalNotes + 1 };
    case 'FirstResponseGiven':
      return { ...state, firstResponseAt: event.data.respondedAt };
    case 'TicketMerged':
      return { ...state, status: 'merged', mergedInto: event.data.intoTicketId, autoCloseAt: null };
    default:
      return ignoreUnknown(state, event);
  }
}

/** Routing's state plus whether it finished; `status` is derived when the state is read. */
type RoutingFold = Omit<RoutingStateAt, 'status'> & Readonly<{ finished: boolean }>;

const UNROUTED: RoutingFold = {
  finished: false,
  category: null,
  priority: null,
  confidence: null,
  modelVersion: null,
  signals: [],
  classifiedAt: null,
  queue: null,
  queueRule: null,
  assignee: null,
  assignmentRule: null,
  assignedAt: null,
  finishedReason: null,
  transfers: 0,
  escalations: 0,
  recategorizations: [],
};

/** Routing's view (libs/routing/domain routing.state.ts): it exists from classification or queueing on. */
function evolveRoutingAt(state: RoutingFold | null, event: RoutingTicketEvent): RoutingFold | null {
  if (event.type === 'TicketClassified') {
    const { category, priority, confidence, modelVersion, signals, classifiedAt } = event.data;
    return { ...(state ?? UNROUTED), category, priority, confidence, modelVersion, signals, classifiedAt };
  }
  if (event.type === 'TicketQueued') return { ...(state ?? UNROUTED), queue: event.data.queue, queueRule: event.data.rule };
  // Routing ignores the rest on a ticket it has not routed.
  if (state === null) return state;
  switch (event.type) {
    case 'TicketRecategorized': {
      const { from, to, priority, by, reason, recategorizedAt } = event.data;
      return { ...state, category: to, priority, recategorizations: [...state.recategorizations, { from, to, priority, by, reason, at: recategorizedAt }] };
    }
    case 'TicketAssignedToAgent':
      return { ...state, assignee: event.data.agentId, assignmentRule: event.data.rule, assignedAt: event.data.assignedAt, queue: event.data.queue };
    case 'TicketReleasedFromAgent':
      return { ...state, assignee: null, assignmentRule: null, assignedAt: null, queue: event.data.queue };
    case 'TicketTransferred':
      return { ...state, transfers: state.transfers + 1, queue: event.data.toQueue };
    case 'TicketEscalated':
      return { ...state, escalations: state.escalations + 1, priority: event.data.toPriority, queue: event.data.toQueue };
    case 'TicketRoutingFinished':
      return { ...state, finished: true, finishedReason: event.data.reason };
    case 'TicketRoutingReopened':
      return { ...state, finished: false, finishedReason: null, queue: event.data.queue };
    default:
      return ignoreUnknown(state, event);
  }
}

/** SLA's state with its clocks by target; `clocks` is listed in target order when read. */
type SlaFold = Omit<SlaStateAt, 'clocks'> & Readonly<{ clocks: Readonly<Partial<Record<SlaTarget, SlaClockAt>>> }>;

const UNTRACKED: SlaFold = { openedAt: null, policyVersion: null, appliedBecause: null, appliedAt: null, priority: null, category: null, targets: [], clocks: {} };

function withClock(state: SlaFold | null, target: SlaTarget, change: (clock: SlaClockAt) => SlaClockAt): SlaFold | null {
  const clock = state?.clocks[target];
  if (state === null || clock === undefined) return state;
  return { ...state, clocks: { ...state.clocks, [target]: change(clock) } };
}

/** SLA's clocks (libs/sla/domain sla-clock.state.ts), without the working-time arithmetic. */
function evolveSlaAt(state: SlaFold | null, event: SlaClockEvent): SlaFold | null {
  switch (event.type) {
    case 'SlaTicketTracked':
      return { ...(state ?? UNTRACKED), openedAt: event.data.openedAt };
    case 'SlaPolicyApplied': {
      const { policyVersion, because, priority, category, targets, appliedAt } = event.data;
      return { ...(state ?? UNTRACKED), policyVersion, appliedBecause: because, appliedAt, priority, category, targets };
    }
    case 'SlaClockStarted': {
      const { target, duration, calendar, policyVersion, rule, startedAt, dueAt } = event.data;
      const clock: SlaClockAt = {
        target,
        phase: 'running',
        policyVersion,
        rule,
        duration,
        calendar,
        startedAt,
        dueAt,
        pausedAt: null,
        elapsedSeconds: null,
        warnings: 0,
        warnedAt: null,
        breachedAt: null,
        metAt: null,
        metWithinTarget: null,
        stoppedAt: null,
        stopReason: null,
      };
      const base = state ?? UNTRACKED;
      return { ...base, clocks: { ...base.clocks, [target]: clock } };
    }
    case 'SlaClockRetimed': {
      const { duration, calendar, policyVersion, rule, elapsedSeconds, dueAt } = event.data;
      return withClock(state, event.data.target, (clock) => ({ ...clock, duration, calendar, policyVersion, rule, elapsedSeconds, dueAt: dueAt ?? clock.dueAt }));
    }
    case 'SlaClockPaused':
      return withClock(state, event.data.target, (clock) => ({ ...clock, phase: 'paused', pausedAt: event.data.pausedAt, dueAt: null, elapsedSeconds: event.data.elapsedSeconds }));
    case 'SlaClockResumed':
      return withClock(state, event.data.target, (clock) => ({ ...clock, phase: 'running', pausedAt: null, dueAt: event.data.dueAt }));
    case 'SlaClockReopened':
      return withClock(state, event.data.target, (clock) => ({
        ...clock,
        phase: 'running',
        dueAt: event.data.dueAt,
        pausedAt: null,
        metAt: null,
        metWithinTarget: null,
        stoppedAt: null,
        stopReason: null,
      }));
    case 'SlaClockMet':
      return withClock(state, event.data.target, (clock) => ({
        ...clock,
        phase: 'met',
        pausedAt: null,
        metAt: event.data.metAt,
        metWithinTarget: event.data.withinTarget,
        elapsedSeconds: event.data.elapsedSeconds,
      }));
    case 'SlaClockStopped':
      return withClock(state, event.data.target, (clock) => ({
        ...clock,
        phase: 'stopped',
        pausedAt: null,
        stoppedAt: event.data.stoppedAt,
        stopReason: event.data.reason,
        elapsedSeconds: event.data.elapsedSeconds,
      }));
    case 'SlaWarningIssued':
      return withClock(state, event.data.target, (clock) => ({ ...clock, warnings: clock.warnings + 1, warnedAt: event.data.warnedAt }));
    case 'SlaBreached':
      return withClock(state, event.data.target, (clock) => ({ ...clock, breachedAt: event.data.breachedAt }));
    case 'SlaProgressNoted':
      // Processing started while no clock measured it: it changes no clock until a later target is met by it.
      return state;
    default:
      return ignoreUnknown(state, event);
  }
}

/** The dispute (libs/disputes/domain dispute.state.ts): the current round, and the case's evidence count. */
function evolveDisputeAt(state: DisputeStateAt | null, event: DisputeEvent): DisputeStateAt | null {
  if (event.type === 'DisputeOpened') {
    const { round, customerId, position, liquidationPrice, liquidatedAt, tolerance, openedBy, openedAt, appealOf } = event.data;
    const evidence = state?.evidence ?? 0;
    return { status: 'open', round, customerId, position, liquidationPrice, liquidatedAt, tolerance, openedBy, openedAt, appealOf, evidence, assessment: null, decision: null };
  }
  if (state === null) return state;
  switch (event.type) {
    case 'EvidenceSubmitted':
      return { ...state, evidence: state.evidence + 1 };
    case 'DeviationAssessed': {
      const { deviation, tolerance, withinTolerance, indexPrice, evidenceIds, assessedAt } = event.data;
      return { ...state, assessment: { deviation, tolerance, withinTolerance, indexPrice, evidenceIds, assessedAt } };
    }
    case 'DisputeDecided': {
      const { outcome, compensation, reason, citedEvidenceIds, decidedBy, decidedAt } = event.data;
      return { ...state, status: 'sealed', decision: { outcome, compensation, reason, citedEvidenceIds, decidedBy, decidedAt } };
    }
    default:
      return ignoreUnknown(state, event);
  }
}

/** The recovery (libs/disputes/domain recovery.decider.ts `evolveRecovery`); `requested` until its first quote. */
function evolveRecoveryAt(state: RecoveryStateAt | null, event: RecoveryEvent): RecoveryStateAt | null {
  if (event.type === 'RecoveryRequested') {
    const { customerId, deposit, rule, conditions, requestedAt } = event.data;
    return {
      status: 'requested',
      customerId,
      deposit,
      rule,
      conditions,
      requestedAt,
      quote: null,
      acceptedAt: null,
      etaFrom: null,
      etaTo: null,
      proofs: 0,
      tracingStartedAt: null,
      overrunDetectedAt: null,
      outcome: null,
    };
  }
  if (state === null) return state;
  switch (event.type) {
    case 'RecoveryQuoted': {
      const { quoteId, amount, asset, fee, creditedOnSuccess, etaWorkingDays, quotedAt, validUntil } = event.data;
      return { ...state, status: 'quoted', quote: { quoteId, amount, asset, fee, creditedOnSuccess, etaWorkingDays, quotedAt, validUntil } };
    }
    case 'RecoveryQuoteAccepted':
      return { ...state, status: 'accepted', acceptedAt: event.data.acceptedAt, etaFrom: event.data.etaFrom, etaTo: event.data.etaTo };
    case 'RecoveryQuoteDeclined': {
      const { quoteId, reason, declinedBy, declinedAt } = event.data;
      return { ...state, status: 'declined', outcome: { kind: 'declined', quoteId, reason, by: declinedBy, at: declinedAt } };
    }
    case 'RecoveryProofSubmitted':
      return { ...state, proofs: state.proofs + 1 };
    case 'RecoveryTracingStarted':
      return { ...state, status: 'tracing', tracingStartedAt: event.data.startedAt };
    case 'RecoveryEtaOverrun':
      return { ...state, overrunDetectedAt: event.data.detectedAt };
    case 'RecoverySucceeded': {
      const { credited, fee, asset, creditTxHash, by, at } = event.data;
      return { ...state, status: 'succeeded', outcome: { kind: 'succeeded', credited, fee, asset, creditTxHash, by, at } };
    }
    case 'RecoveryFailed':
      return { ...state, status: 'failed', outcome: { kind: 'failed', reason: event.data.reason, by: event.data.by, at: event.data.at } };
    default:
      return ignoreUnknown(state, event);
  }
}

// ---------------------------------------------------------------------------------------------
// The folder: one event at a time, nothing but the state kept.
// ---------------------------------------------------------------------------------------------

type TicketContext = 'intake' | 'routing' | 'sla' | 'dispute' | 'recovery';

/**
 * Folds a ticket's events one at a time into its state as every context saw it, keeping only that
 * state (no event), so a long history folds in bounded memory. Feed it every event of the ticket's
 * streams (`ticket-`, `routing-`, `sla-`, `dispute-`, `recovery-<id>`) in global order, already cut
 * at the moment: it does not filter by position or time. Events of any other stream are ignored,
 * as are types it does not know (still counted as the ticket's events). Each event is upcast first.
 * `state()` may be read at any point; a state read is never changed by later events.
 */
export class TicketStateFolder {
  private readonly contextOfStream: ReadonlyMap<string, TicketContext>;
  private events = 0;
  private lastEvent: LastEventAt | null = null;
  private intake: IntakeStateAt | null = null;
  private routing: RoutingFold | null = null;
  private sla: SlaFold | null = null;
  private dispute: DisputeStateAt | null = null;
  private recovery: RecoveryStateAt | null = null;

  constructor(
    readonly ticketId: string,
    readonly at: StateMoment,
  ) {
    this.contextOfStream = new Map<string, TicketContext>([
      [streams.ticket(ticketId), 'intake'],
      [streams.routing(ticketId), 'routing'],
      [slaStreams.clock(ticketId), 'sla'],
      [disputesStreams.dispute(ticketId), 'dispute'],
      [disputesStreams.recovery(ticketId), 'recovery'],
    ]);
  }

  /** Folds one recorded event (as stored: it is upcast here). */
  apply(recorded: RecordedEvent): this {
    const context = this.contextOfStream.get(recorded.streamName);
    if (context === undefined) return this;
    const event = upcastPublicEvent(recorded);
    this.events += 1;
    this.lastEvent = { position: recorded.globalPosition, stream: recorded.streamName, type: event.type, recordedAt: recorded.recordedAt };
    switch (context) {
      case 'intake':
        this.intake = evolveIntakeAt(this.intake, event as IntakeEvent);
        break;
      case 'routing':
        this.routing = evolveRoutingAt(this.routing, event as RoutingTicketEvent);
        break;
      case 'sla':
        this.sla = evolveSlaAt(this.sla, event as SlaClockEvent);
        break;
      case 'dispute':
        this.dispute = evolveDisputeAt(this.dispute, event as DisputeEvent);
        break;
      case 'recovery':
        this.recovery = evolveRecoveryAt(this.recovery, event as RecoveryEvent);
        break;
    }
    return this;
  }

  /** The state as of the events applied so far. */
  state(): TicketStateAt {
    return {
      ticketId: this.ticketId,
      at: { position: this.at.position, time: this.at.time },
      existed: this.events > 0,
      events: this.events,
      lastEvent: this.lastEvent,
      intake: this.intake,
      routing: routingStateOf(this.routing),
      sla: slaStateOf(this.sla),
      dispute: this.dispute,
      recovery: this.recovery,
    };
  }
}

function routingStateOf(fold: RoutingFold | null): RoutingStateAt | null {
  if (fold === null) return null;
  const { finished, ...rest } = fold;
  return { status: finished ? 'finished' : rest.assignee !== null ? 'assigned' : 'waiting', ...rest };
}

function slaStateOf(fold: SlaFold | null): SlaStateAt | null {
  if (fold === null) return null;
  const clocks = SLA_TARGETS.flatMap((target) => {
    const clock = fold.clocks[target];
    return clock === undefined ? [] : [clock];
  });
  return { ...fold, clocks };
}

/**
 * The ticket `ticketId` as every context saw it at `at`: `events` are every event of its streams in
 * global order, already cut at that moment (see TicketStateFolder). No event: `existed` false, every part null.
 */
export function foldTicketState(ticketId: string, events: Iterable<RecordedEvent>, at: StateMoment): TicketStateAt {
  const folder = new TicketStateFolder(ticketId, at);
  for (const event of events) folder.apply(event);
  return folder.state();
}
