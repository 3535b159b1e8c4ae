import type { Actor, Event } from '@ticketing/kernel';
import type { ContextContract } from '../context-contract';

/** Decimal amounts and prices travel as strings (`"64210.5"`): never floats. */
export type DecimalString = string;

export const POSITION_SIDES = ['long', 'short'] as const;
export type PositionSide = (typeof POSITION_SIDES)[number];
export const MARGIN_MODES = ['isolated', 'cross'] as const;
export type MarginMode = (typeof MARGIN_MODES)[number];

/** The liquidated position a dispute is about. */
export type DisputedPosition = Readonly<{ symbol: string; side: PositionSide; size: DecimalString; leverage: DecimalString; marginMode: MarginMode }>;

export const EVIDENCE_KINDS = ['trade_log', 'index_price', 'mark_price', 'funding', 'statement', 'attachment'] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

export const DISPUTE_OUTCOMES = ['upheld', 'compensated', 'rejected'] as const;
export type DisputeOutcome = (typeof DISPUTE_OUTCOMES)[number];

/**
 * A liquidation dispute was opened on the ticket (`dispute-<ticketId>`); round 1, or a later round
 * opened by an appeal of a sealed one (`appealOf`). Every round keeps the case's earlier evidence.
 */
export type DisputeOpened = Event<
  'DisputeOpened',
  {
    ticketId: string;
    round: number;
    customerId: string;
    position: DisputedPosition;
    liquidationPrice: DecimalString;
    liquidatedAt: string;
    /** The tolerance in force for the symbol when the round opened (a fraction: `"0.005"` is 0.5%). */
    tolerance: DecimalString;
    openedBy: Actor;
    openedAt: string;
    /** The sealed round this one appeals, with the reason given; null for round 1. */
    appealOf: Readonly<{ round: number; reason: string }> | null;
  }
>;

/**
 * One evidence item: immutable, attributed, timestamped, content-hashed (SHA-256 over the RFC 8785
 * canonical JSON of `content`). Its id is derived from that hash, so the same item twice is one item.
 */
export type EvidenceSubmitted = Event<
  'EvidenceSubmitted',
  {
    ticketId: string;
    round: number;
    evidenceId: string;
    kind: EvidenceKind;
    content: Readonly<Record<string, unknown>>;
    contentHash: string;
    submittedBy: Actor;
    submittedAt: string;
  }
>;

/** |liquidation price − index price| / index price at the liquidation time, against the tolerance. */
export type DeviationAssessed = Event<
  'DeviationAssessed',
  {
    ticketId: string;
    round: number;
    deviation: DecimalString;
    tolerance: DecimalString;
    withinTolerance: boolean;
    indexPrice: DecimalString;
    liquidationPrice: DecimalString;
    /** The index price item(s) the assessment used. */
    evidenceIds: readonly string[];
    assessedAt: string;
  }
>;

/** The round's decision; it seals the round: no more evidence, no edits, only an appeal. */
export type DisputeDecided = Event<
  'DisputeDecided',
  {
    ticketId: string;
    round: number;
    outcome: DisputeOutcome;
    /** Set exactly when the outcome is `compensated`. */
    compensation: Readonly<{ amount: DecimalString; asset: string }> | null;
    reason: string;
    citedEvidenceIds: readonly string[];
    decidedBy: Actor;
    decidedAt: string;
  }
>;

export type DisputeEvent = DisputeOpened | EvidenceSubmitted | DeviationAssessed | DisputeDecided;
export const DISPUTE_EVENT_TYPES = ['DisputeOpened', 'EvidenceSubmitted', 'DeviationAssessed', 'DisputeDecided'] as const satisfies readonly DisputeEvent['type'][];

/** The wrong-network deposit as the customer describes it. */
export type MisdirectedDeposit = Readonly<{
  asset: string;
  amount: DecimalString;
  txHash: string;
  /** The network the deposit was sent on, and the one the deposit address expects (normalized names: `ETH`, `BSC`, `TRON`, …). */
  sentNetwork: string;
  expectedNetwork: string;
  address: string;
  /** The memo/tag given with the transfer; null when none was. */
  memo: string | null;
}>;

/** Conditions a feasible recovery carries (e.g. the customer proving they own the sending address). */
export const RECOVERY_CONDITIONS = ['proof_of_ownership'] as const;
export type RecoveryCondition = (typeof RECOVERY_CONDITIONS)[number];

/** A wrong-network recovery was requested and judged feasible by the rule named (`recovery-<ticketId>`). */
export type RecoveryRequested = Event<
  'RecoveryRequested',
  {
    ticketId: string;
    customerId: string;
    deposit: MisdirectedDeposit;
    rule: string;
    conditions: readonly RecoveryCondition[];
    requestedBy: Actor;
    requestedAt: string;
  }
>;

/** A quote: fee, what would be credited on success, and an ETA window in working days. Never a promise. */
export type RecoveryQuoted = Event<
  'RecoveryQuoted',
  {
    ticketId: string;
    quoteId: string;
    amount: DecimalString;
    asset: string;
    fee: DecimalString;
    feeRate: DecimalString;
    /** amount − fee: credited if, and only if, the recovery succeeds. */
    creditedOnSuccess: DecimalString;
    etaWorkingDays: Readonly<{ min: number; max: number }>;
    calendar: string;
    quotedAt: string;
    validUntil: string;
    quotedBy: Actor;
  }
>;

export type RecoveryQuoteAccepted = Event<
  'RecoveryQuoteAccepted',
  {
    ticketId: string;
    quoteId: string;
    acceptedBy: Actor;
    acceptedAt: string;
    /** The ETA window counted from acceptance on the calendar of the quote. */
    etaFrom: string;
    etaTo: string;
  }
>;
export type RecoveryQuoteDeclined = Event<'RecoveryQuoteDeclined', { ticketId: string; quoteId: string; reason: string | null; declinedBy: Actor; declinedAt: string }>;
/** A condition of the recovery was shown (e.g. proof of ownership), with its content hash. */
export type RecoveryProofSubmitted = Event<
  'RecoveryProofSubmitted',
  { ticketId: string; condition: RecoveryCondition; content: Readonly<Record<string, unknown>>; contentHash: string; submittedBy: Actor; submittedAt: string }
>;
/** The on-chain tracing team took the case. */
export type RecoveryTracingStarted = Event<'RecoveryTracingStarted', { ticketId: string; tracedBy: Actor; startedAt: string }>;
/** The ETA window passed with no outcome: an alert for the tracing team and supervisors. */
export type RecoveryEtaOverrun = Event<'RecoveryEtaOverrun', { ticketId: string; etaTo: string; detectedAt: string }>;
export type RecoverySucceeded = Event<
  'RecoverySucceeded',
  { ticketId: string; amount: DecimalString; fee: DecimalString; credited: DecimalString; asset: string; creditTxHash: string | null; by: Actor; at: string }
>;
/** The recovery failed: no fee is charged. */
export type RecoveryFailed = Event<'RecoveryFailed', { ticketId: string; reason: string; by: Actor; at: string }>;

export type RecoveryEvent =
  | RecoveryRequested
  | RecoveryQuoted
  | RecoveryQuoteAccepted
  | RecoveryQuoteDeclined
  | RecoveryProofSubmitted
  | RecoveryTracingStarted
  | RecoveryEtaOverrun
  | RecoverySucceeded
  | RecoveryFailed;
export const RECOVERY_EVENT_TYPES = [
  'RecoveryRequested',
  'RecoveryQuoted',
  'RecoveryQuoteAccepted',
  'RecoveryQuoteDeclined',
  'RecoveryProofSubmitted',
  'RecoveryTracingStarted',
  'RecoveryEtaOverrun',
  'RecoverySucceeded',
  'RecoveryFailed',
] as const satisfies readonly RecoveryEvent['type'][];

export type DisputesEvent = DisputeEvent | RecoveryEvent;
export const DISPUTES_EVENT_TYPES = [...DISPUTE_EVENT_TYPES, ...RECOVERY_EVENT_TYPES] as const;

/** Stream names of the disputes context. */
export const disputesStreams = {
  dispute: (ticketId: string) => `dispute-${ticketId}`,
  recovery: (ticketId: string) => `recovery-${ticketId}`,
} as const;

/** Dispute evidence: `dispute-<ticketId>` (liquidation disputes) and `recovery-<ticketId>` (wrong-network recoveries). */
export const DISPUTES_CONTRACT = {
  name: 'disputes',
  streamPrefixes: ['dispute-', 'recovery-'],
  eventTypes: DISPUTES_EVENT_TYPES,
  // Statements, file names and wallet details are the customer's; prices, amounts and decisions are the case's.
  personalData: {
    DisputeOpened: { subject: { field: 'customerId' }, fields: ['appealOf.reason'] },
    EvidenceSubmitted: { subject: 'ticket', fields: ['content.text', 'content.name'] },
    RecoveryRequested: { subject: { field: 'customerId' }, fields: ['deposit.txHash', 'deposit.address', 'deposit.memo'] },
    RecoveryQuoteDeclined: { subject: 'ticket', fields: ['reason'] },
    RecoverySucceeded: { subject: 'ticket', fields: ['creditTxHash'] },
  },
} as const satisfies ContextContract;
