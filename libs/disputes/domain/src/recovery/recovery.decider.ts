import { canonicalJson, contentHashOf, type MisdirectedDeposit, RECOVERY_CONDITIONS, type RecoveryCondition, type RecoveryEvent, type RecoveryProofSubmitted, type RecoveryQuoted, type RecoverySucceeded } from '@ticketing/contracts';
import { assertNever, ConflictError, IllegalStateError, UnprocessableError, ValidationError, type Actor, type Command, type Decider } from '@ticketing/kernel';
import { Dec, decimalString, parseDecimal } from '../decimal';
import { ASSET_SYMBOL, judgeRecovery, knownNetworks, normalizeNetwork, quoteFee, type RecoveryRules } from './recovery-rules';

export const RECOVERY_SCHEMA_VERSION = 1;
/** The longest reason a decline or a failure may give. */
export const MAX_RECOVERY_REASON = 2000;
/** The largest proof (canonical JSON, UTF-8): a signed message or a screenshot reference, not a file. */
export const MAX_RECOVERY_PROOF_BYTES = 64 * 1024;

export const RECOVERY_STATUSES = ['none', 'quoted', 'accepted', 'tracing', 'succeeded', 'failed', 'declined'] as const;
export type RecoveryStatus = (typeof RECOVERY_STATUSES)[number];
/** After these nothing changes. */
export const TERMINAL_RECOVERY_STATUSES: readonly RecoveryStatus[] = ['succeeded', 'failed', 'declined'];

export type RecoveryQuote = Omit<RecoveryQuoted['data'], 'ticketId'>;
export type RecoveryProof = Omit<RecoveryProofSubmitted['data'], 'ticketId'>;
export type RecoveryOutcome =
  | Readonly<{ kind: 'succeeded' } & Omit<RecoverySucceeded['data'], 'ticketId'>>
  | Readonly<{ kind: 'failed'; reason: string; by: Actor; at: string }>
  | Readonly<{ kind: 'declined'; quoteId: string; reason: string | null; by: Actor; at: string }>;

/** A wrong-network recovery (`recovery-<ticketId>`): what `GET /v1/recoveries/{ticketId}` shows. */
export type RecoveryState = Readonly<{
  status: RecoveryStatus;
  ticketId: string | null;
  customerId: string | null;
  /** Normalized: asset upper-case, canonical amount, networks by their rules name, blank memo as null. */
  deposit: MisdirectedDeposit | null;
  /** The rule that judged the recovery feasible, and what it requires. */
  rule: string | null;
  conditions: readonly RecoveryCondition[];
  requestedBy: Actor | null;
  requestedAt: string | null;
  /** The latest quote (the accepted one once accepted). */
  quote: RecoveryQuote | null;
  acceptedQuote: RecoveryQuote | null;
  acceptedBy: Actor | null;
  acceptedAt: string | null;
  etaFrom: string | null;
  etaTo: string | null;
  /** Every proof submitted, in order (the same content twice is one proof). */
  proofs: readonly RecoveryProof[];
  tracedBy: Actor | null;
  tracingStartedAt: string | null;
  overrunAlerted: boolean;
  overrunDetectedAt: string | null;
  /** Set when the recovery ends: succeeded, failed or declined. */
  outcome: RecoveryOutcome | null;
}>;

export const initialRecoveryState = (): RecoveryState => ({
  status: 'none',
  ticketId: null,
  customerId: null,
  deposit: null,
  rule: null,
  conditions: [],
  requestedBy: null,
  requestedAt: null,
  quote: null,
  acceptedQuote: null,
  acceptedBy: null,
  acceptedAt: null,
  etaFrom: null,
  etaTo: null,
  proofs: [],
  tracedBy: null,
  tracingStartedAt: null,
  overrunAlerted: false,
  overrunDetectedAt: null,
  outcome: null,
});

export function evolveRecovery(state: RecoveryState, event: RecoveryEvent): RecoveryState {
  switch (event.type) {
    case 'RecoveryRequested': {
      const { ticketId, customerId, deposit, rule, conditions, requestedBy, requestedAt } = event.data;
      return { ...state, ticketId, customerId, deposit, rule, conditions, requestedBy, requestedAt };
    }
    case 'RecoveryQuoted': {
      const { ticketId: _ticketId, ...quote } = event.data;
      return { ...state, status: 'quoted', quote };
    }
    case 'RecoveryQuoteAccepted': {
      const { acceptedBy, acceptedAt, etaFrom, etaTo } = event.data;
      return { ...state, status: 'accepted', acceptedQuote: state.quote, acceptedBy, acceptedAt, etaFrom, etaTo };
    }
    case 'RecoveryQuoteDeclined': {
      const { quoteId, reason, declinedBy, declinedAt } = event.data;
      return { ...state, status: 'declined', outcome: { kind: 'declined', quoteId, reason, by: declinedBy, at: declinedAt } };
    }
    case 'RecoveryProofSubmitted': {
      const { ticketId: _ticketId, ...proof } = event.data;
      return { ...state, proofs: [...state.proofs, proof] };
    }
    case 'RecoveryTracingStarted':
      return { ...state, status: 'tracing', tracedBy: event.data.tracedBy, tracingStartedAt: event.data.startedAt };
    case 'RecoveryEtaOverrun':
      return { ...state, overrunAlerted: true, overrunDetectedAt: event.data.detectedAt };
    case 'RecoverySucceeded': {
      const { ticketId: _ticketId, ...outcome } = event.data;
      return { ...state, status: 'succeeded', outcome: { kind: 'succeeded', ...outcome } };
    }
    case 'RecoveryFailed':
      return { ...state, status: 'failed', outcome: { kind: 'failed', reason: event.data.reason, by: event.data.by, at: event.data.at } };
    default:
      return assertNever(event);
  }
}

/** The deposit as the API receives it: raw strings, checked and normalized by `parseMisdirectedDeposit`. */
export type RecoveryDepositInput = Readonly<{
  asset: string;
  amount: string;
  txHash: string;
  sentNetwork: string;
  expectedNetwork: string;
  address: string;
  memo?: string | null;
}>;

/** Open a recovery: judge feasibility by the rules and quote it. Refused with the rule's reason when unsupported. */
export type RequestRecovery = Command<
  'RequestRecovery',
  { ticketId: string; customerId: string; deposit: RecoveryDepositInput; rules: RecoveryRules; quoteId: string; now: string; requestedBy: Actor }
>;
/** A fresh quote under the rules in force, once the current one has expired. */
export type RequoteRecovery = Command<'RequoteRecovery', { quoteId: string; rules: RecoveryRules; now: string; by: Actor }>;
/** The customer accepts the current quote; the caller counts the ETA window in working days on the quote's calendar. */
export type AcceptRecoveryQuote = Command<'AcceptRecoveryQuote', { quoteId: string; now: string; by: Actor; etaFrom: string; etaTo: string }>;
export type DeclineRecoveryQuote = Command<'DeclineRecoveryQuote', { quoteId: string; reason?: string | null; now: string; by: Actor }>;
export type SubmitRecoveryProof = Command<'SubmitRecoveryProof', { condition: RecoveryCondition; content: Readonly<Record<string, unknown>>; now: string; by: Actor }>;
export type StartRecoveryTracing = Command<'StartRecoveryTracing', { now: string; by: Actor }>;
/** The timer's check: alerts once when the ETA window has passed with no outcome. */
export type OverrunRecoveryEta = Command<'OverrunRecoveryEta', { now: string }>;
export type CompleteRecovery = Command<
  'CompleteRecovery',
  Readonly<{ outcome: 'succeeded'; creditTxHash?: string | null; now: string; by: Actor }> | Readonly<{ outcome: 'failed'; reason: string; now: string; by: Actor }>
>;

export type RecoveryCommand =
  | RequestRecovery
  | RequoteRecovery
  | AcceptRecoveryQuote
  | DeclineRecoveryQuote
  | SubmitRecoveryProof
  | StartRecoveryTracing
  | OverrunRecoveryEta
  | CompleteRecovery;

const event = <E extends RecoveryEvent>(type: E['type'], data: E['data']): E => ({ type, schemaVersion: RECOVERY_SCHEMA_VERSION, data }) as E;

const TX_HASH = /^[0-9A-Za-z]{8,128}$/;
const ADDRESS = /^[\x21-\x7E]{8,128}$/;
const MAX_MEMO = 64;

type FieldProblem = { field: string; message: string };

/**
 * Checks and normalizes a deposit as the API received it, collecting every problem: asset symbol,
 * amount (a plain positive decimal string), tx hash, both networks (known to the rules), address, memo.
 */
export function parseMisdirectedDeposit(input: unknown, rules: RecoveryRules): Readonly<{ deposit: MisdirectedDeposit; amount: Dec } | { problems: readonly FieldProblem[] }> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { problems: [{ field: 'deposit', message: 'must be an object' }] };
  const raw = input as Record<string, unknown>;
  const problems: FieldProblem[] = [];
  const asset = typeof raw['asset'] === 'string' ? raw['asset'].toUpperCase() : '';
  if (!ASSET_SYMBOL.test(asset)) problems.push({ field: 'asset', message: `must be an asset symbol of 2–15 letters or digits, e.g. "USDT" (got ${JSON.stringify(raw['asset'])})` });
  const amount = parseDecimal('amount', raw['amount']);
  if ('problem' in amount) problems.push({ field: 'amount', message: amount.problem });
  const txHash = raw['txHash'];
  if (typeof txHash !== 'string' || !TX_HASH.test(txHash)) problems.push({ field: 'txHash', message: 'must be the transaction hash: 8–128 letters or digits' });
  const network = (field: 'sentNetwork' | 'expectedNetwork'): string => {
    const name = raw[field];
    const normalized = typeof name === 'string' ? normalizeNetwork(name, rules) : undefined;
    if (normalized === undefined) problems.push({ field, message: `${JSON.stringify(name)} is not a network we know (known: ${knownNetworks(rules).join(', ')})` });
    return normalized ?? '';
  };
  const sentNetwork = network('sentNetwork');
  const expectedNetwork = network('expectedNetwork');
  const address = raw['address'];
  if (typeof address !== 'string' || !ADDRESS.test(address)) problems.push({ field: 'address', message: 'must be the deposit address: 8–128 printable characters without spaces' });
  const memo = raw['memo'] ?? null;
  if (memo !== null && (typeof memo !== 'string' || memo.length > MAX_MEMO)) problems.push({ field: 'memo', message: `must be null or a memo/tag of at most ${MAX_MEMO} characters` });
  if (problems.length > 0 || 'problem' in amount) return { problems };
  return {
    amount: amount.value,
    deposit: {
      asset,
      amount: decimalString(amount.value),
      txHash: txHash as string,
      sentNetwork,
      expectedNetwork,
      address: address as string,
      memo: typeof memo === 'string' && memo.trim().length > 0 ? memo : null,
    },
  };
}

/** Whether a quote can no longer be accepted at `now`. */
export const isRecoveryQuoteExpired = (quote: Pick<RecoveryQuote, 'validUntil'>, now: string): boolean => Date.parse(now) >= Date.parse(quote.validUntil);

/** The recovery's conditions no proof has been submitted for yet. */
export const missingRecoveryProofs = (state: Pick<RecoveryState, 'conditions' | 'proofs'>): RecoveryCondition[] =>
  state.conditions.filter((condition) => !state.proofs.some((proof) => proof.condition === condition));

const HOUR_MS = 3_600_000;

function quoteOf(ticketId: string, deposit: MisdirectedDeposit, rules: RecoveryRules, quoteId: string, now: string, by: Actor): RecoveryQuoted {
  const { fee, feeRate, creditedOnSuccess } = quoteFee(new Dec(deposit.amount), deposit.asset, rules);
  return event<RecoveryQuoted>('RecoveryQuoted', {
    ticketId,
    quoteId,
    amount: deposit.amount,
    asset: deposit.asset,
    fee: decimalString(fee),
    feeRate,
    creditedOnSuccess: decimalString(creditedOnSuccess),
    etaWorkingDays: { min: rules.etaWorkingDays.min, max: rules.etaWorkingDays.max },
    calendar: rules.calendar,
    quotedAt: now,
    validUntil: new Date(Date.parse(now) + rules.quoteValidityHours * HOUR_MS).toISOString(),
    quotedBy: by,
  });
}

type Requested = RecoveryState & { ticketId: string; deposit: MisdirectedDeposit };

function requested(state: RecoveryState, action: string): Requested {
  if (state.deposit === null || state.ticketId === null) throw new IllegalStateError('none', action, `Cannot ${action}: no recovery has been requested on this ticket`);
  return state as Requested;
}

const refuse = (state: RecoveryState, action: string, detail = ''): never => {
  throw new IllegalStateError(state.status, action, `Cannot ${action} while the recovery is ${state.status}${detail}`);
};

/** A reason as given, trimmed; problems name `field`. */
function reasonOf(field: string, value: unknown, required: boolean): { reason: string | null } | { problem: FieldProblem } {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim().length === 0)) {
    return required ? { problem: { field, message: `is required (1–${MAX_RECOVERY_REASON} characters)` } } : { reason: null };
  }
  if (typeof value !== 'string' || value.trim().length > MAX_RECOVERY_REASON) return { problem: { field, message: `must be 1–${MAX_RECOVERY_REASON} characters` } };
  return { reason: value.trim() };
}

const invalid = (what: string, problems: readonly FieldProblem[]): ValidationError =>
  new ValidationError(`Invalid ${what}: ${problems.map((problem) => `${problem.field} ${problem.message}`).join('; ')}`, problems);

const isInstant = (value: unknown): value is string => typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(Date.parse(value));

function decide(command: RecoveryCommand, state: RecoveryState): readonly RecoveryEvent[] {
  switch (command.type) {
    case 'RequestRecovery': {
      const { ticketId, customerId, rules, quoteId, now, requestedBy } = command.data;
      if (state.deposit !== null) throw new ConflictError(`A recovery was already requested on ticket ${state.ticketId} (${state.status})`, { ticketId, status: state.status });
      const parsed = parseMisdirectedDeposit(command.data.deposit, rules);
      if ('problems' in parsed) throw invalid('recovery request', parsed.problems);
      const { deposit } = parsed;
      const judgement = judgeRecovery(deposit, rules);
      if (!judgement.feasible) throw new UnprocessableError(judgement.reason, { rule: judgement.rule, reason: judgement.reason });
      const quoted = quoteOf(ticketId, deposit, rules, quoteId, now, requestedBy);
      return [
        event('RecoveryRequested', { ticketId, customerId, deposit, rule: judgement.rule, conditions: judgement.conditions, requestedBy, requestedAt: now }),
        quoted,
      ];
    }
    case 'RequoteRecovery': {
      const { quoteId, rules, now, by } = command.data;
      const recovery = requested(state, 'requote');
      if (recovery.status !== 'quoted' || recovery.quote === null) return refuse(recovery, 'requote');
      // A retried requote: its quote is the current one.
      if (recovery.quote.quoteId === quoteId) return [];
      if (!isRecoveryQuoteExpired(recovery.quote, now)) {
        throw new IllegalStateError('quote_valid', 'requote', `Quote ${recovery.quote.quoteId} is valid until ${recovery.quote.validUntil}: accept or decline it`);
      }
      return [quoteOf(recovery.ticketId, recovery.deposit, rules, quoteId, now, by)];
    }
    case 'AcceptRecoveryQuote': {
      const { quoteId, now, by, etaFrom, etaTo } = command.data;
      const recovery = requested(state, 'accept a quote');
      if (recovery.acceptedQuote?.quoteId === quoteId) return [];
      if (recovery.status !== 'quoted' || recovery.quote === null) return refuse(recovery, 'accept a quote');
      if (recovery.quote.quoteId !== quoteId) throw new ConflictError(`quote ${quoteId} is not the current quote ${recovery.quote.quoteId}`, { quoteId, currentQuoteId: recovery.quote.quoteId });
      if (isRecoveryQuoteExpired(recovery.quote, now)) {
        throw new IllegalStateError('quote_expired', 'accept a quote', `Quote ${quoteId} expired at ${recovery.quote.validUntil}; request a new quote`);
      }
      const problems: FieldProblem[] = [];
      if (!isInstant(etaFrom)) problems.push({ field: 'etaFrom', message: 'must be an ISO 8601 date-time' });
      if (!isInstant(etaTo)) problems.push({ field: 'etaTo', message: 'must be an ISO 8601 date-time' });
      else if (isInstant(etaFrom) && Date.parse(etaTo) < Date.parse(etaFrom)) problems.push({ field: 'etaTo', message: `is before etaFrom ${etaFrom}` });
      if (problems.length > 0) throw invalid('ETA window', problems);
      return [event('RecoveryQuoteAccepted', { ticketId: recovery.ticketId, quoteId, acceptedBy: by, acceptedAt: now, etaFrom, etaTo })];
    }
    case 'DeclineRecoveryQuote': {
      const { quoteId, now, by } = command.data;
      const recovery = requested(state, 'decline a quote');
      if (recovery.outcome?.kind === 'declined' && recovery.outcome.quoteId === quoteId) return [];
      if (recovery.status !== 'quoted' || recovery.quote === null) return refuse(recovery, 'decline a quote');
      if (recovery.quote.quoteId !== quoteId) throw new ConflictError(`quote ${quoteId} is not the current quote ${recovery.quote.quoteId}`, { quoteId, currentQuoteId: recovery.quote.quoteId });
      const reason = reasonOf('reason', command.data.reason, false);
      if ('problem' in reason) throw invalid('decline', [reason.problem]);
      return [event('RecoveryQuoteDeclined', { ticketId: recovery.ticketId, quoteId, reason: reason.reason, declinedBy: by, declinedAt: now })];
    }
    case 'SubmitRecoveryProof': {
      const { condition, content, now, by } = command.data;
      if (!(RECOVERY_CONDITIONS as readonly unknown[]).includes(condition)) {
        throw invalid('proof', [{ field: 'condition', message: `${JSON.stringify(condition)} is not one of ${RECOVERY_CONDITIONS.join(', ')}` }]);
      }
      const recovery = requested(state, 'submit a proof');
      if (!['quoted', 'accepted', 'tracing'].includes(recovery.status)) return refuse(recovery, 'submit a proof');
      if (!recovery.conditions.includes(condition)) {
        throw new UnprocessableError(
          `This recovery does not require ${condition} (${recovery.conditions.length === 0 ? 'it carries no conditions' : `it requires ${recovery.conditions.join(', ')}`})`,
          { condition, conditions: recovery.conditions },
        );
      }
      if (typeof content !== 'object' || content === null || Array.isArray(content)) throw invalid('proof', [{ field: 'content', message: 'must be a JSON object' }]);
      let canonical: string;
      try {
        canonical = canonicalJson(content);
      } catch {
        throw invalid('proof', [{ field: 'content', message: 'must be JSON: no functions, undefined, BigInt or non-finite numbers' }]);
      }
      if (new TextEncoder().encode(canonical).length > MAX_RECOVERY_PROOF_BYTES) throw invalid('proof', [{ field: 'content', message: `is larger than ${MAX_RECOVERY_PROOF_BYTES} bytes` }]);
      const contentHash = contentHashOf(content);
      if (recovery.proofs.some((proof) => proof.condition === condition && proof.contentHash === contentHash)) return [];
      return [event('RecoveryProofSubmitted', { ticketId: recovery.ticketId, condition, content, contentHash, submittedBy: by, submittedAt: now })];
    }
    case 'StartRecoveryTracing': {
      const { now, by } = command.data;
      const recovery = requested(state, 'start tracing');
      // A retried start changes nothing.
      if (recovery.status === 'tracing') return [];
      if (recovery.status !== 'accepted') return refuse(recovery, 'start tracing', recovery.status === 'quoted' ? ': the customer has not accepted the quote' : '');
      return [event('RecoveryTracingStarted', { ticketId: recovery.ticketId, tracedBy: by, startedAt: now })];
    }
    case 'OverrunRecoveryEta': {
      const { now } = command.data;
      if (state.ticketId === null || state.etaTo === null || state.overrunAlerted) return [];
      if (state.status !== 'accepted' && state.status !== 'tracing') return [];
      if (!(Date.parse(now) > Date.parse(state.etaTo))) return [];
      return [event('RecoveryEtaOverrun', { ticketId: state.ticketId, etaTo: state.etaTo, detectedAt: now })];
    }
    case 'CompleteRecovery':
      return complete(command.data, requested(state, `complete the recovery as ${command.data.outcome}`));
    default:
      return assertNever(command);
  }
}

function complete(data: CompleteRecovery['data'], recovery: Requested): readonly RecoveryEvent[] {
  const { now, by } = data;
  const action = `complete the recovery as ${data.outcome}`;
  switch (data.outcome) {
    case 'succeeded': {
      const creditTxHash = data.creditTxHash ?? null;
      if (recovery.outcome?.kind === 'succeeded' && recovery.outcome.creditTxHash === creditTxHash) return [];
      if (recovery.status !== 'tracing' || recovery.acceptedQuote === null) return refuse(recovery, action, recovery.status === 'accepted' ? ': tracing has not started' : '');
      const missing = missingRecoveryProofs(recovery);
      if (missing.length > 0) throw new IllegalStateError('missing_proof', action, `Cannot ${action}: no ${missing.join(', ')} proof has been submitted`);
      if (creditTxHash !== null && (typeof creditTxHash !== 'string' || !TX_HASH.test(creditTxHash))) {
        throw invalid('completion', [{ field: 'creditTxHash', message: 'must be null or the crediting transaction hash: 8–128 letters or digits' }]);
      }
      const { amount, fee, asset } = recovery.acceptedQuote;
      const credited = new Dec(amount).minus(fee);
      return [event('RecoverySucceeded', { ticketId: recovery.ticketId, amount, fee, credited: decimalString(credited), asset, creditTxHash, by, at: now })];
    }
    case 'failed': {
      const reason = reasonOf('reason', data.reason, true);
      if ('problem' in reason) throw invalid('completion', [reason.problem]);
      if (recovery.outcome?.kind === 'failed' && recovery.outcome.reason === reason.reason) return [];
      if (recovery.status !== 'accepted' && recovery.status !== 'tracing') return refuse(recovery, action);
      return [event('RecoveryFailed', { ticketId: recovery.ticketId, reason: reason.reason as string, by, at: now })];
    }
    default:
      return assertNever(data);
  }
}

/**
 * The write model of `recovery-<ticketId>`: a wrong-network deposit judged feasible by the rules,
 * quoted (fee, ETA window; never a promise), accepted or declined, traced, then recovered (credited
 * = amount − fee) or failed (no fee).
 */
export const recoveryDecider: Decider<RecoveryState, RecoveryCommand, RecoveryEvent> = {
  initialState: initialRecoveryState,
  evolve: evolveRecovery,
  decide,
};
