import { contentHashOf, type DeviationAssessed, DISPUTE_OUTCOMES, type DisputeDecided, type DisputedPosition, type DisputeEvent, type DisputeOpened, type DisputeOutcome, EVIDENCE_KINDS, type EvidenceKind, type EvidenceSubmitted, MARGIN_MODES, POSITION_SIDES } from '@ticketing/contracts';
import { assertNever, deterministicId, IllegalStateError, NotFoundError, ConflictError, ValidationError, type Actor, type Command, type Decider } from '@ticketing/kernel';
import { Dec, decimalString, parseDecimal } from '../decimal';
import { assessmentFor } from './deviation';
import { currentRound, evolveDispute, initialDisputeState, type DisputeState } from './dispute.state';
import { evidenceContentProblems, parseInstant } from './evidence-content';

export const DISPUTE_SCHEMA_VERSION = 1;

/** How the context judges cases, from its configuration. */
export type DisputeRules = Readonly<{
  /** The tolerance of a symbol (a fraction, `"0.005"`). */
  toleranceFor: (symbol: string) => string;
  /** How far from the liquidation time an index price snapshot may be and still be "at" it. */
  indexPriceWindowMs: number;
  /** Rounds a case may have: the first and its appeals. */
  maxRounds: number;
  /** How far in the future a liquidation time may lie (clock skew between the trading system and us). */
  clockSkewMs: number;
}>;

export type OpenDispute = Command<
  'OpenDispute',
  { ticketId: string; customerId: string; position: unknown; liquidationPrice: unknown; liquidatedAt: unknown; rules: DisputeRules; now: string; by: Actor }
>;
export type SubmitEvidence = Command<'SubmitEvidence', { kind: unknown; content: unknown; rules: DisputeRules; now: string; by: Actor }>;
export type DecideDispute = Command<
  'DecideDispute',
  { outcome: unknown; compensation: unknown; reason: unknown; citedEvidenceIds: unknown; now: string; by: Actor }
>;
export type AppealDispute = Command<'AppealDispute', { reason: unknown; rules: DisputeRules; now: string; by: Actor }>;
export type DisputeCommand = OpenDispute | SubmitEvidence | DecideDispute | AppealDispute;

type Problem = { field: string; message: string };

const SYMBOL = /^[A-Z0-9][A-Z0-9._:/-]{1,31}$/;
const ASSET = /^[A-Z0-9]{2,15}$/;
const MAX_LEVERAGE = '1000';

/**
 * The id of an evidence item: its ticket, kind, content hash and submitter, so the same item sent
 * twice by one party is one item, while the same content from the customer and from the exchange
 * stays two, each attributed (a customer's copy must not stand in for the exchange's feed).
 */
export const evidenceIdOf = (ticketId: string, kind: EvidenceKind, contentHash: string, submittedBy: Actor): string =>
  deterministicId(`evidence:${ticketId}:${kind}:${contentHash}:${submittedBy.kind}:${submittedBy.id}`);

function fail(what: string, problems: readonly Problem[]): never {
  throw new ValidationError(`${what}: ${problems.map((problem) => `${problem.field} ${problem.message}`).join('; ')}`, problems);
}

function decimalProblem(field: string, value: unknown, problems: Problem[]): string | undefined {
  const parsed = parseDecimal(field, value);
  if ('problem' in parsed) {
    problems.push({ field, message: parsed.problem.startsWith(field) ? parsed.problem.slice(field.length + 1) : parsed.problem });
    return undefined;
  }
  return decimalString(parsed.value);
}

function positionOf(value: unknown, problems: Problem[]): DisputedPosition | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push({ field: 'position', message: 'must be an object with symbol, side, size, leverage and marginMode' });
    return undefined;
  }
  const raw = value as Record<string, unknown>;
  const symbol = typeof raw['symbol'] === 'string' ? raw['symbol'].trim().toUpperCase() : '';
  if (!SYMBOL.test(symbol)) problems.push({ field: 'position.symbol', message: 'must be a symbol of 2–32 letters, digits and . _ : / - (e.g. BTCUSDT)' });
  const side = raw['side'];
  if (!POSITION_SIDES.includes(side as never)) problems.push({ field: 'position.side', message: `must be one of ${POSITION_SIDES.join(', ')}` });
  const marginMode = raw['marginMode'];
  if (!MARGIN_MODES.includes(marginMode as never)) problems.push({ field: 'position.marginMode', message: `must be one of ${MARGIN_MODES.join(', ')}` });
  const size = decimalProblem('position.size', raw['size'], problems);
  const leverage = decimalProblem('position.leverage', raw['leverage'], problems);
  if (leverage !== undefined && new Dec(leverage).greaterThan(MAX_LEVERAGE)) problems.push({ field: 'position.leverage', message: `must be at most ${MAX_LEVERAGE}` });
  if (size === undefined || leverage === undefined || problems.length > 0) return undefined;
  return { symbol, side: side as DisputedPosition['side'], size, leverage, marginMode: marginMode as DisputedPosition['marginMode'] };
}

function reasonOf(field: string, value: unknown, problems: Problem[]): string {
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > 2000) {
    problems.push({ field, message: 'must be text of 1 to 2000 characters' });
    return '';
  }
  return value.trim();
}

/**
 * Whether two assessments rest on the same snapshot with the same numbers: the same item, or another
 * party's copy of the same content (the feed's and an agent's), which changes nothing to assess.
 */
function sameBasis(state: DisputeState, shown: DeviationAssessed['data'], next: DeviationAssessed['data']): boolean {
  if (shown.deviation !== next.deviation || shown.tolerance !== next.tolerance || shown.indexPrice !== next.indexPrice) return false;
  const hashOf = (ids: readonly string[]) => ids.map((id) => state.items.find((item) => item.evidenceId === id)?.contentHash).join();
  return hashOf(shown.evidenceIds) === hashOf(next.evidenceIds);
}

/** The assessment to append when the current round's differs from what the evidence now says. */
function reassessed(state: DisputeState, rules: DisputeRules, now: string): DeviationAssessed[] {
  const next = assessmentFor(state, rules.indexPriceWindowMs, now);
  const shown = currentRound(state)?.assessment ?? null;
  if (next === undefined || (shown !== null && sameBasis(state, shown, next))) return [];
  return [{ type: 'DeviationAssessed', schemaVersion: DISPUTE_SCHEMA_VERSION, data: next }];
}

function open(command: OpenDispute, state: DisputeState): DisputeEvent[] {
  const { ticketId, customerId, rules, now, by } = command.data;
  if (state.status !== 'none') throw new ConflictError(`Ticket ${ticketId} already has a dispute (round ${currentRound(state)?.round}); add evidence, or appeal its decision`, { ticketId });
  const problems: Problem[] = [];
  const position = positionOf(command.data.position, problems);
  const liquidationPrice = decimalProblem('liquidationPrice', command.data.liquidationPrice, problems);
  const liquidatedAt = parseInstant(command.data.liquidatedAt);
  if (liquidatedAt === undefined) problems.push({ field: 'liquidatedAt', message: 'must be an ISO 8601 date-time with a zone, e.g. 2026-12-07T09:30:00.250Z' });
  else if (Date.parse(liquidatedAt) > Date.parse(now) + rules.clockSkewMs) problems.push({ field: 'liquidatedAt', message: `is in the future (${liquidatedAt}; now ${now})` });
  if (problems.length > 0 || position === undefined || liquidationPrice === undefined || liquidatedAt === undefined) fail('Invalid dispute', problems);
  const opened: DisputeOpened = {
    type: 'DisputeOpened',
    schemaVersion: DISPUTE_SCHEMA_VERSION,
    data: { ticketId, round: 1, customerId, position, liquidationPrice, liquidatedAt, tolerance: rules.toleranceFor(position.symbol), openedBy: by, openedAt: now, appealOf: null },
  };
  return [opened];
}

function submit(command: SubmitEvidence, state: DisputeState): DisputeEvent[] {
  const { kind, content, rules, now, by } = command.data;
  const round = currentRound(state);
  if (state.status === 'none' || round === undefined || state.ticketId === null) throw new NotFoundError('No dispute on this ticket: open one first');
  if (state.status === 'sealed') {
    throw new IllegalStateError('sealed', 'SubmitEvidence', `Round ${round.round} was decided (${round.decision?.outcome}) and is sealed: no more evidence; appeal to open a new round`);
  }
  if (!EVIDENCE_KINDS.includes(kind as never)) fail('Invalid evidence', [{ field: 'kind', message: `must be one of ${EVIDENCE_KINDS.join(', ')}` }]);
  const problems = evidenceContentProblems(kind as EvidenceKind, content, new Date(Date.parse(now) + rules.clockSkewMs).toISOString());
  if (problems.length > 0) fail(`Invalid ${kind as string} evidence`, problems);
  const contentHash = contentHashOf(content);
  const evidenceId = evidenceIdOf(state.ticketId, kind as EvidenceKind, contentHash, by);
  // The same item again (a retry, both sides sending one log) is the item already there.
  if (state.items.some((item) => item.evidenceId === evidenceId)) return [];
  const submitted: EvidenceSubmitted = {
    type: 'EvidenceSubmitted',
    schemaVersion: DISPUTE_SCHEMA_VERSION,
    data: { ticketId: state.ticketId, round: round.round, evidenceId, kind: kind as EvidenceKind, content: content as Record<string, unknown>, contentHash, submittedBy: by, submittedAt: now },
  };
  return [submitted, ...reassessed(evolveDispute(state, submitted), rules, now)];
}

function decideCase(command: DecideDispute, state: DisputeState): DisputeEvent[] {
  const { now, by } = command.data;
  const round = currentRound(state);
  if (state.status === 'none' || round === undefined || state.ticketId === null) throw new NotFoundError('No dispute on this ticket');
  if (state.status === 'sealed') throw new IllegalStateError('sealed', 'DecideDispute', `Round ${round.round} is already decided (${round.decision?.outcome}) and sealed; appeal to open a new round`);
  const problems: Problem[] = [];
  const outcome = command.data.outcome;
  if (!DISPUTE_OUTCOMES.includes(outcome as never)) problems.push({ field: 'outcome', message: `must be one of ${DISPUTE_OUTCOMES.join(', ')}` });
  let compensation: DisputeDecided['data']['compensation'] = null;
  const rawCompensation = command.data.compensation;
  if (outcome === 'compensated') {
    if (typeof rawCompensation !== 'object' || rawCompensation === null) problems.push({ field: 'compensation', message: 'is required when the outcome is compensated: {amount, asset}' });
    else {
      const raw = rawCompensation as Record<string, unknown>;
      const amount = decimalProblem('compensation.amount', raw['amount'], problems);
      const asset = typeof raw['asset'] === 'string' ? raw['asset'].trim().toUpperCase() : '';
      if (!ASSET.test(asset)) problems.push({ field: 'compensation.asset', message: 'must be an asset code of 2–15 letters and digits (e.g. USDT)' });
      if (amount !== undefined && ASSET.test(asset)) compensation = { amount, asset };
    }
  } else if (rawCompensation !== undefined && rawCompensation !== null) {
    problems.push({ field: 'compensation', message: `is given only with the outcome compensated (not ${String(outcome)})` });
  }
  const reason = reasonOf('reason', command.data.reason, problems);
  const cited = command.data.citedEvidenceIds;
  if (!Array.isArray(cited) || cited.length === 0 || cited.some((id) => typeof id !== 'string')) {
    problems.push({ field: 'citedEvidenceIds', message: 'must list the evidence ids the decision rests on (at least one)' });
  } else {
    const known = new Set(state.items.map((item) => item.evidenceId));
    const unknown = [...new Set(cited as string[])].filter((id) => !known.has(id));
    if (unknown.length > 0) problems.push({ field: 'citedEvidenceIds', message: `cites evidence this case does not have: ${unknown.slice(0, 10).join(', ')}` });
  }
  if (problems.length > 0) fail('Invalid decision', problems);
  const decided: DisputeDecided = {
    type: 'DisputeDecided',
    schemaVersion: DISPUTE_SCHEMA_VERSION,
    data: {
      ticketId: state.ticketId,
      round: round.round,
      outcome: outcome as DisputeOutcome,
      compensation,
      reason,
      citedEvidenceIds: [...new Set(cited as string[])],
      decidedBy: by,
      decidedAt: now,
    },
  };
  return [decided];
}

function appeal(command: AppealDispute, state: DisputeState): DisputeEvent[] {
  const { rules, now, by } = command.data;
  const round = currentRound(state);
  if (state.status === 'none' || round === undefined || state.ticketId === null || state.position === null) throw new NotFoundError('No dispute on this ticket');
  if (state.status === 'open') throw new IllegalStateError('open', 'AppealDispute', `Round ${round.round} is not decided yet: only a sealed decision can be appealed`);
  if (state.rounds.length >= rules.maxRounds) {
    throw new IllegalStateError('sealed', 'AppealDispute', `The case has had its ${rules.maxRounds} rounds: round ${round.round}'s decision is final`);
  }
  const problems: Problem[] = [];
  const reason = reasonOf('reason', command.data.reason, problems);
  if (problems.length > 0) fail('Invalid appeal', problems);
  const opened: DisputeOpened = {
    type: 'DisputeOpened',
    schemaVersion: DISPUTE_SCHEMA_VERSION,
    data: {
      ticketId: state.ticketId,
      round: round.round + 1,
      customerId: state.customerId ?? '',
      position: state.position,
      liquidationPrice: state.liquidationPrice ?? '',
      liquidatedAt: state.liquidatedAt ?? '',
      tolerance: rules.toleranceFor(state.position.symbol),
      openedBy: by,
      openedAt: now,
      appealOf: { round: round.round, reason },
    },
  };
  return [opened, ...reassessed(evolveDispute(state, opened), rules, now)];
}

/**
 * A liquidation dispute (`dispute-<ticketId>`): opened with the position and its liquidation, fed
 * evidence by both sides, assessed whenever an index price for the liquidation time arrives, and
 * sealed by a decision; an appeal opens the next round on the same evidence.
 */
export const disputeDecider: Decider<DisputeState, DisputeCommand, DisputeEvent> = {
  initialState: initialDisputeState,
  evolve: evolveDispute,
  decide(command, state) {
    switch (command.type) {
      case 'OpenDispute':
        return open(command, state);
      case 'SubmitEvidence':
        return submit(command, state);
      case 'DecideDispute':
        return decideCase(command, state);
      case 'AppealDispute':
        return appeal(command, state);
      default:
        return assertNever(command);
    }
  },
};
