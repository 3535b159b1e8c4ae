import { contentHashOf, type MisdirectedDeposit, type RecoveryCondition, type RecoveryEvent, type RecoveryQuoted } from '@ticketing/contracts';
import fc from 'fast-check';
import { ConflictError, DomainError, foldEvents, IllegalStateError, UnprocessableError, ValidationError, type Actor } from '@ticketing/kernel';
import { deciderSpec } from '@ticketing/testing';
import { Dec } from '../decimal';
import { DEFAULT_RECOVERY_RULES, WEEKDAYS_CALENDAR, type RecoveryRules } from './recovery-rules';
import {
  MAX_RECOVERY_REASON,
  missingRecoveryProofs,
  recoveryDecider,
  type CompleteRecovery,
  type RecoveryCommand,
  type RecoveryDepositInput,
  type RecoveryState,
} from './recovery.decider';

const spec = deciderSpec(recoveryDecider);
const TICKET = 't-1';
const CUSTOMER: Actor = { kind: 'customer', id: 'c-1' };
const TRACER: Actor = { kind: 'agent', id: 'tracer-1' };
const NOW = '2026-12-07T10:00:00.000Z';
/** NOW + the default 72 hours of validity. */
const VALID_UNTIL = '2026-12-10T10:00:00.000Z';
const ACCEPTED_AT = '2026-12-08T09:00:00.000Z';
const ETA_FROM = '2026-12-23T09:00:00.000Z';
const ETA_TO = '2027-01-07T09:00:00.000Z';
const rules = DEFAULT_RECOVERY_RULES;

/** USDT sent on BSC to an ETH address, as the API received it. */
const INPUT: RecoveryDepositInput = {
  asset: 'usdt',
  amount: '1500.50',
  txHash: '0x9fc76417374aa880d4449a1f7f31ec597f00b1f6f3dd2d66f4c9c6c445836d8b',
  sentNetwork: 'BEP20',
  expectedNetwork: 'erc20',
  address: '0x52908400098527886E0F7030069857D2E4169EE7',
  memo: null,
};
const DEPOSIT: MisdirectedDeposit = { ...INPUT, asset: 'USDT', amount: '1500.5', sentNetwork: 'BSC', expectedNetwork: 'ETH', memo: null };
/** XRP to the exchange's shared address without the destination tag. */
const XRP_INPUT: RecoveryDepositInput = {
  asset: 'XRP',
  amount: '2500',
  txHash: 'E3FE6EA3D48F0C2B639448020EA4F03D4F4F8FFDB243A852A0F59177921B4879',
  sentNetwork: 'xrp',
  expectedNetwork: 'XRP',
  address: 'rEb8TK3gBgk5auZkwc6sHnwrGVJH8DuaLh',
  memo: '',
};
const XRP_DEPOSIT: MisdirectedDeposit = { ...XRP_INPUT, sentNetwork: 'XRP', expectedNetwork: 'XRP', memo: null };

const requested = (deposit = DEPOSIT, rule = 'evm-to-evm', conditions: readonly RecoveryCondition[] = []): RecoveryEvent => ({
  type: 'RecoveryRequested',
  schemaVersion: 1,
  data: { ticketId: TICKET, customerId: CUSTOMER.id, deposit, rule, conditions, requestedBy: CUSTOMER, requestedAt: NOW },
});
const quoted = (overrides: Partial<RecoveryQuoted['data']> = {}): RecoveryQuoted => ({
  type: 'RecoveryQuoted',
  schemaVersion: 1,
  data: {
    ticketId: TICKET,
    quoteId: 'q-1',
    amount: '1500.5',
    asset: 'USDT',
    fee: '150.05',
    feeRate: '0.1',
    creditedOnSuccess: '1350.45',
    etaWorkingDays: { min: 15, max: 30 },
    calendar: WEEKDAYS_CALENDAR,
    quotedAt: NOW,
    validUntil: VALID_UNTIL,
    quotedBy: CUSTOMER,
    ...overrides,
  },
});
const accepted = (quoteId = 'q-1'): RecoveryEvent => ({
  type: 'RecoveryQuoteAccepted',
  schemaVersion: 1,
  data: { ticketId: TICKET, quoteId, acceptedBy: CUSTOMER, acceptedAt: ACCEPTED_AT, etaFrom: ETA_FROM, etaTo: ETA_TO },
});
const declined = (reason: string | null = null, quoteId = 'q-1'): RecoveryEvent => ({
  type: 'RecoveryQuoteDeclined',
  schemaVersion: 1,
  data: { ticketId: TICKET, quoteId, reason, declinedBy: CUSTOMER, declinedAt: ACCEPTED_AT },
});
const PROOF = { method: 'signed_message', message: 'I own rPEPPER7kfTD9w2To4CQk6UCfuHM9c6GDY', signature: '3045022100e4b1…' };
const proofSubmitted = (content: Record<string, unknown> = PROOF, at = ACCEPTED_AT): RecoveryEvent => ({
  type: 'RecoveryProofSubmitted',
  schemaVersion: 1,
  data: { ticketId: TICKET, condition: 'proof_of_ownership', content, contentHash: contentHashOf(content), submittedBy: CUSTOMER, submittedAt: at },
});
const TRACING_AT = '2026-12-09T08:00:00.000Z';
const tracingStarted = (): RecoveryEvent => ({ type: 'RecoveryTracingStarted', schemaVersion: 1, data: { ticketId: TICKET, tracedBy: TRACER, startedAt: TRACING_AT } });
const AFTER_ETA = '2027-01-07T09:00:00.001Z';
const overrun = (at = AFTER_ETA): RecoveryEvent => ({ type: 'RecoveryEtaOverrun', schemaVersion: 1, data: { ticketId: TICKET, etaTo: ETA_TO, detectedAt: at } });
const DONE_AT = '2027-01-05T12:00:00.000Z';
const succeeded = (overrides: Partial<Extract<RecoveryEvent, { type: 'RecoverySucceeded' }>['data']> = {}): RecoveryEvent => ({
  type: 'RecoverySucceeded',
  schemaVersion: 1,
  data: { ticketId: TICKET, amount: '1500.5', fee: '150.05', credited: '1350.45', asset: 'USDT', creditTxHash: null, by: TRACER, at: DONE_AT, ...overrides },
});
const failed = (reason = 'the funds were swept by a third party before tracing'): RecoveryEvent => ({
  type: 'RecoveryFailed',
  schemaVersion: 1,
  data: { ticketId: TICKET, reason, by: TRACER, at: DONE_AT },
});

const request = (deposit: unknown = INPUT, overrides: { rules?: RecoveryRules; quoteId?: string; now?: string } = {}): RecoveryCommand => ({
  type: 'RequestRecovery',
  data: {
    ticketId: TICKET,
    customerId: CUSTOMER.id,
    deposit: deposit as RecoveryDepositInput,
    rules: overrides.rules ?? rules,
    quoteId: overrides.quoteId ?? 'q-1',
    now: overrides.now ?? NOW,
    requestedBy: CUSTOMER,
  },
});
const requote = (quoteId: string, now: string, with_: RecoveryRules = rules): RecoveryCommand => ({ type: 'RequoteRecovery', data: { quoteId, rules: with_, now, by: CUSTOMER } });
const accept = (quoteId = 'q-1', now = ACCEPTED_AT, eta: { etaFrom?: string; etaTo?: string } = {}): RecoveryCommand => ({
  type: 'AcceptRecoveryQuote',
  data: { quoteId, now, by: CUSTOMER, etaFrom: eta.etaFrom ?? ETA_FROM, etaTo: eta.etaTo ?? ETA_TO },
});
const decline = (quoteId = 'q-1', reason?: string | null): RecoveryCommand => ({
  type: 'DeclineRecoveryQuote',
  data: { quoteId, now: ACCEPTED_AT, by: CUSTOMER, ...(reason !== undefined && { reason }) },
});
const submitProof = (content: unknown = PROOF, condition = 'proof_of_ownership', now = ACCEPTED_AT): RecoveryCommand => ({
  type: 'SubmitRecoveryProof',
  data: { condition: condition as 'proof_of_ownership', content: content as Record<string, unknown>, now, by: CUSTOMER },
});
const startTracing = (): RecoveryCommand => ({ type: 'StartRecoveryTracing', data: { now: TRACING_AT, by: TRACER } });
const checkOverrun = (now: string): RecoveryCommand => ({ type: 'OverrunRecoveryEta', data: { now } });
const succeed = (creditTxHash?: string | null): RecoveryCommand => ({
  type: 'CompleteRecovery',
  data: { outcome: 'succeeded', now: DONE_AT, by: TRACER, ...(creditTxHash !== undefined && { creditTxHash }) },
});
const fail = (reason: string = 'the funds were swept by a third party before tracing'): RecoveryCommand => ({
  type: 'CompleteRecovery',
  data: { outcome: 'failed', reason, now: DONE_AT, by: TRACER } satisfies CompleteRecovery['data'],
});

const QUOTED = [requested(), quoted()];
const ACCEPTED = [...QUOTED, accepted()];
const TRACING = [...ACCEPTED, tracingStarted()];
const TAG_QUOTED = [requested(XRP_DEPOSIT, 'memo-missing-on-tag-network', ['proof_of_ownership']), quoted({ amount: '2500', asset: 'XRP', fee: '250', creditedOnSuccess: '2250' })];
const TAG_TRACING = [...TAG_QUOTED, accepted(), tracingStarted()];
const SUCCEEDED = [...TRACING, succeeded()];
const FAILED = [...TRACING, failed()];
const DECLINED = [...QUOTED, declined()];

const stateOf = (history: readonly RecoveryEvent[]): RecoveryState => foldEvents(recoveryDecider, history);
const fieldsOf = (error: ValidationError): string[] => error.errors.map((problem) => problem.field);

/** Every command of the decider, for "refused in this state" tables. */
const EVERY_COMMAND: readonly [string, RecoveryCommand][] = [
  ['requote', requote('q-2', '2026-12-11T00:00:00.000Z')],
  ['accept', accept()],
  ['decline', decline()],
  ['submit a proof', submitProof()],
  ['start tracing', startTracing()],
  ['succeed', succeed()],
  ['fail', fail()],
];

describe('recovery decider', () => {
  describe('no recovery yet', () => {
    it('requests and quotes a feasible recovery: USDT sent on BSC to an ETH address, 10% fee, 15–30 working days', () => {
      spec.given([]).when(request()).then([requested(), quoted()]);
    });

    it('normalizes the deposit: upper-case asset, canonical amount, networks by their rules name', () => {
      const [first] = recoveryDecider.decide(request({ ...INPUT, asset: 'Usdt', amount: '1500.500000', sentNetwork: 'bnb smart chain', expectedNetwork: 'Ethereum' }), stateOf([])) as RecoveryEvent[];
      expect(first).toEqual(requested());
    });

    it('carries proof of ownership for a tag network deposit without its tag (a blank memo is none)', () => {
      spec
        .given([])
        .when(request(XRP_INPUT))
        .then([
          requested(XRP_DEPOSIT, 'memo-missing-on-tag-network', ['proof_of_ownership']),
          quoted({ amount: '2500', asset: 'XRP', fee: '250', creditedOnSuccess: '2250' }),
        ]);
    });

    it('quotes under the rules given: rate, limits, ETA, calendar and validity', () => {
      const custom: RecoveryRules = { ...rules, feeRate: '0.05', fees: { USDT: { minimum: '100' } }, etaWorkingDays: { min: 10, max: 20 }, calendar: 'tracing-desk', quoteValidityHours: 24 };
      spec
        .given([])
        .when(request(INPUT, { rules: custom }))
        .then([
          requested(),
          quoted({ fee: '100', feeRate: '0.05', creditedOnSuccess: '1400.5', etaWorkingDays: { min: 10, max: 20 }, calendar: 'tracing-desk', validUntil: '2026-12-08T10:00:00.000Z' }),
        ]);
    });

    it.each<[string, string, string]>([
      ['a huge amount', '123456789012345678901', 'amount has 21 digits before the point; at most 20'],
      ['a negative amount', '-5', 'amount must not be negative'],
      ['zero', '0', 'amount must be greater than zero'],
      ['zero with decimals', '0.000', 'amount must be greater than zero'],
      ['an exponent', '1e3', 'amount must be plain digits, not exponent notation'],
      ['30 decimals', '0.000000000000000000000000000001', 'amount has 30 decimals; at most 18'],
      ['a comma separator', '1,500.50', 'amount must not contain spaces or digit separators'],
      ['a decimal comma', '1500,5', 'amount must not contain spaces or digit separators'],
      ['spaces', ' 1500.5', 'amount must not contain spaces or digit separators'],
      ['a sign', '+5', 'amount must be written without a sign'],
      ['hex', '0x10', 'amount must be a decimal string of digits'],
      ['nothing', '', 'amount is empty'],
    ])('refuses %s with a ValidationError naming the amount, appending nothing', (_case, amount, message) => {
      spec
        .given([])
        .when(request({ ...INPUT, amount }))
        .thenThrows(ValidationError, (error) => {
          expect(error.errors).toEqual([{ field: 'amount', message: expect.stringContaining(message) }]);
          expect(error.message).toContain(message);
        });
    });

    it('refuses an amount sent as a JSON number: it lost its precision already', () => {
      spec
        .given([])
        .when(request({ ...INPUT, amount: 1500.5 }))
        .thenThrows(ValidationError, (error) => expect(error.errors[0]?.message).toContain('must be a decimal string'));
    });

    it('refuses a tiny amount the minimum fee would take whole, with an UnprocessableError naming it', () => {
      spec
        .given([])
        .when(request({ ...INPUT, amount: '0.000000000000000001' }))
        .thenThrows(UnprocessableError, (error) => expect(error.message).toBe('amount 0.000000000000000001 USDT is below what a recovery costs (minimum fee 10 USDT)'));
      spec.given([]).when(request({ ...INPUT, amount: '10' })).thenThrows(UnprocessableError);
    });

    it('names every problem of a request at once', () => {
      spec
        .given([])
        .when(request({ asset: 'U$DT', amount: '1 500', txHash: 'abc', sentNetwork: 'DOGE', expectedNetwork: 'ETH', address: 'short', memo: 'x'.repeat(65) }))
        .thenThrows(ValidationError, (error) => expect(fieldsOf(error)).toEqual(['asset', 'amount', 'txHash', 'sentNetwork', 'address', 'memo']));
    });

    it('lists the networks it knows when one is unknown', () => {
      spec
        .given([])
        .when(request({ ...INPUT, expectedNetwork: 'Ethereum Classic' }))
        .thenThrows(ValidationError, (error) => {
          expect(error.errors).toEqual([{ field: 'expectedNetwork', message: expect.stringContaining('"Ethereum Classic" is not a network we know (known: ETH, BSC, POLYGON') }]);
        });
    });

    it.each<[string, Partial<Record<keyof RecoveryDepositInput, unknown>>, string]>([
      ['a tx hash with a dash', { txHash: '0x9fc7-6417374aa8' }, 'txHash'],
      ['a tx hash of 129 characters', { txHash: 'a'.repeat(129) }, 'txHash'],
      ['an address with a space', { address: '0x5290840009 8527886E0F7030069857D2E4169EE7' }, 'address'],
      ['an asset of one letter', { asset: 'U' }, 'asset'],
      ['an asset with a dot', { asset: 'USDT.E' }, 'asset'],
      ['a memo that is a number', { memo: 104857 }, 'memo'],
      ['no sent network', { sentNetwork: undefined }, 'sentNetwork'],
    ])('refuses %s', (_case, change, field) => {
      spec
        .given([])
        .when(request({ ...INPUT, ...change }))
        .thenThrows(ValidationError, (error) => expect(fieldsOf(error)).toEqual([field]));
    });

    it('refuses an unsupported network pair with the rule reason, appending nothing', () => {
      spec
        .given([])
        .when(request({ ...INPUT, sentNetwork: 'TRC20', expectedNetwork: 'ERC20' }))
        .thenThrows(UnprocessableError, (error) => {
          expect(error.message).toBe('TRON → ETH: the address formats differ and the exchange holds no key on TRON for this address, so the USDT cannot be traced back to your account');
          expect(error.details).toMatchObject({ rule: 'incompatible-networks' });
        });
    });

    it('refuses a deposit on the right network: a missing-deposit case', () => {
      spec
        .given([])
        .when(request({ ...INPUT, sentNetwork: 'ETH' }))
        .thenThrows(UnprocessableError, (error) => expect(error.message).toContain('not a wrong-network deposit: the network matches'));
    });

    it.each(EVERY_COMMAND)('cannot %s', (_case, command) => {
      spec.given([]).when(command).thenThrows(IllegalStateError, (error) => expect(error.message).toContain('no recovery has been requested'));
    });

    it('finds no ETA to overrun', () => {
      spec.given([]).when(checkOverrun(AFTER_ETA)).thenNothingHappens();
    });

    it('folds to an empty state', () => {
      expect(stateOf([])).toMatchObject({ status: 'none', deposit: null, quote: null, proofs: [], outcome: null });
    });
  });

  describe('quoted', () => {
    it('shows the request and the quote', () => {
      expect(stateOf(QUOTED)).toMatchObject({ status: 'quoted', ticketId: TICKET, customerId: CUSTOMER.id, deposit: DEPOSIT, rule: 'evm-to-evm', conditions: [], quote: { quoteId: 'q-1', fee: '150.05' } });
    });

    it('refuses a second request: one recovery per ticket', () => {
      spec.given(QUOTED).when(request()).thenThrows(ConflictError);
      spec.given(DECLINED).when(request(INPUT, { quoteId: 'q-9' })).thenThrows(ConflictError);
    });

    it('accepts the current quote, with the ETA window the caller counted', () => {
      spec.given(QUOTED).when(accept()).then([accepted()]);
    });

    it('refuses another quote id: a conflict naming the current one', () => {
      spec
        .given(QUOTED)
        .when(accept('q-0'))
        .thenThrows(ConflictError, (error) => expect(error.message).toBe('quote q-0 is not the current quote q-1'));
      spec.given(QUOTED).when(decline('q-0')).thenThrows(ConflictError);
    });

    it('refuses an expired quote, from the instant it expires: request a new quote', () => {
      for (const now of [VALID_UNTIL, '2026-12-20T00:00:00.000Z']) {
        spec
          .given(QUOTED)
          .when(accept('q-1', now))
          .thenThrows(IllegalStateError, (error) => expect(error.message).toBe(`Quote q-1 expired at ${VALID_UNTIL}; request a new quote`));
      }
      spec.given(QUOTED).when(accept('q-1', '2026-12-10T09:59:59.999Z')).then([{ ...accepted(), data: { ...accepted().data, acceptedAt: '2026-12-10T09:59:59.999Z' } } as RecoveryEvent]);
    });

    it('refuses an ETA window that is not one', () => {
      spec
        .given(QUOTED)
        .when(accept('q-1', ACCEPTED_AT, { etaFrom: 'tomorrow', etaTo: ETA_FROM }))
        .thenThrows(ValidationError, (error) => expect(fieldsOf(error)).toEqual(['etaFrom']));
      spec
        .given(QUOTED)
        .when(accept('q-1', ACCEPTED_AT, { etaFrom: ETA_TO, etaTo: ETA_FROM }))
        .thenThrows(ValidationError, (error) => expect(fieldsOf(error)).toEqual(['etaTo']));
    });

    it('requotes once the quote has expired, under the rules in force then', () => {
      const later = '2026-12-11T00:00:00.000Z';
      spec
        .given(QUOTED)
        .when(requote('q-2', later, { ...rules, feeRate: '0.12' }))
        .then([quoted({ quoteId: 'q-2', fee: '180.06', feeRate: '0.12', creditedOnSuccess: '1320.44', quotedAt: later, validUntil: '2026-12-14T00:00:00.000Z' })]);
    });

    it('refuses a requote while the quote is valid, and decides nothing for a retried one', () => {
      spec.given(QUOTED).when(requote('q-2', ACCEPTED_AT)).thenThrows(IllegalStateError, (error) => expect(error.message).toContain(`valid until ${VALID_UNTIL}`));
      spec.given(QUOTED).when(requote('q-1', '2026-12-11T00:00:00.000Z')).thenNothingHappens();
    });

    it('accepts the new quote after a requote, not the expired one', () => {
      const requoted = [...QUOTED, quoted({ quoteId: 'q-2', quotedAt: '2026-12-11T00:00:00.000Z', validUntil: '2026-12-14T00:00:00.000Z' })];
      spec.given(requoted).when(accept('q-1', '2026-12-11T01:00:00.000Z')).thenThrows(ConflictError);
      spec
        .given(requoted)
        .when(accept('q-2', '2026-12-11T01:00:00.000Z'))
        .then([{ ...accepted('q-2'), data: { ...accepted('q-2').data, acceptedAt: '2026-12-11T01:00:00.000Z' } } as RecoveryEvent]);
      expect(stateOf([...requoted, accepted('q-2')]).acceptedQuote?.quoteId).toBe('q-2');
    });

    it('declines, with or without a reason (trimmed; blank is none)', () => {
      spec.given(QUOTED).when(decline()).then([declined()]);
      spec.given(QUOTED).when(decline('q-1', '  the fee is too high  ')).then([declined('the fee is too high')]);
      spec.given(QUOTED).when(decline('q-1', '   ')).then([declined()]);
    });

    it('declines an expired quote too', () => {
      spec.given(QUOTED).when({ ...decline(), data: { ...decline().data, now: '2026-12-20T00:00:00.000Z' } } as RecoveryCommand).then([
        { ...declined(), data: { ...declined().data, declinedAt: '2026-12-20T00:00:00.000Z' } } as RecoveryEvent,
      ]);
    });

    it(`refuses a decline reason over ${MAX_RECOVERY_REASON} characters`, () => {
      spec
        .given(QUOTED)
        .when(decline('q-1', 'x'.repeat(MAX_RECOVERY_REASON + 1)))
        .thenThrows(ValidationError, (error) => expect(fieldsOf(error)).toEqual(['reason']));
    });

    it('cannot start tracing before the customer accepted', () => {
      spec.given(QUOTED).when(startTracing()).thenThrows(IllegalStateError, (error) => expect(error.message).toContain('the customer has not accepted the quote'));
    });

    it.each([
      ['succeed', succeed()],
      ['fail', fail()],
    ])('cannot %s', (_case, command) => {
      spec.given(QUOTED).when(command).thenThrows(IllegalStateError);
    });

    it('takes a proof of ownership when the recovery requires one', () => {
      spec.given(TAG_QUOTED).when(submitProof()).then([proofSubmitted()]);
    });

    it('refuses a proof of a condition the recovery does not carry', () => {
      spec
        .given(QUOTED)
        .when(submitProof())
        .thenThrows(UnprocessableError, (error) => expect(error.message).toContain('does not require proof_of_ownership (it carries no conditions)'));
    });

    it.each<[string, unknown, string, string]>([
      ['an unknown condition', PROOF, 'kyc', 'condition'],
      ['content that is not an object', 'I own it', 'proof_of_ownership', 'content'],
      ['content that is a list', [PROOF], 'proof_of_ownership', 'content'],
      ['content JSON cannot carry', { amount: 10n }, 'proof_of_ownership', 'content'],
      ['content over 64 KiB', { blob: 'x'.repeat(64 * 1024) }, 'proof_of_ownership', 'content'],
    ])('refuses %s', (_case, content, condition, field) => {
      spec
        .given(TAG_QUOTED)
        .when(submitProof(content, condition))
        .thenThrows(ValidationError, (error) => expect(fieldsOf(error)).toEqual([field]));
    });

    it('finds no ETA to overrun before acceptance', () => {
      spec.given(QUOTED).when(checkOverrun('2027-12-31T00:00:00.000Z')).thenNothingHappens();
    });
  });

  describe('accepted', () => {
    it('shows the accepted quote and the ETA window', () => {
      expect(stateOf(ACCEPTED)).toMatchObject({ status: 'accepted', acceptedQuote: { quoteId: 'q-1' }, acceptedBy: CUSTOMER, acceptedAt: ACCEPTED_AT, etaFrom: ETA_FROM, etaTo: ETA_TO });
    });

    it('decides nothing when the same quote is accepted again (a retry)', () => {
      spec.given(ACCEPTED).when(accept()).thenNothingHappens();
      spec.given(TRACING).when(accept()).thenNothingHappens();
    });

    it('refuses another quote, a requote and a decline', () => {
      spec.given(ACCEPTED).when(accept('q-2')).thenThrows(IllegalStateError);
      spec.given(ACCEPTED).when(requote('q-2', '2026-12-11T00:00:00.000Z')).thenThrows(IllegalStateError);
      spec.given(ACCEPTED).when(decline()).thenThrows(IllegalStateError);
    });

    it('starts tracing', () => {
      spec.given(ACCEPTED).when(startTracing()).then([tracingStarted()]);
    });

    it('cannot succeed before tracing started', () => {
      spec.given(ACCEPTED).when(succeed()).thenThrows(IllegalStateError, (error) => expect(error.message).toContain('tracing has not started'));
    });

    it('fails, charging no fee', () => {
      spec.given(ACCEPTED).when(fail()).then([failed()]);
      const state = stateOf([...ACCEPTED, failed()]);
      expect(state).toMatchObject({ status: 'failed', outcome: { kind: 'failed', reason: 'the funds were swept by a third party before tracing' } });
      expect(JSON.stringify(state.outcome)).not.toContain('fee');
    });

    it('alerts when the ETA window has passed, exactly once', () => {
      spec.given(ACCEPTED).when(checkOverrun(ETA_TO)).thenNothingHappens();
      spec.given(ACCEPTED).when(checkOverrun(AFTER_ETA)).then([overrun()]);
      spec.given([...ACCEPTED, overrun()]).when(checkOverrun('2027-02-01T00:00:00.000Z')).thenNothingHappens();
      expect(stateOf([...ACCEPTED, overrun()])).toMatchObject({ overrunAlerted: true, overrunDetectedAt: AFTER_ETA, status: 'accepted' });
    });

    it('takes a proof', () => {
      spec.given([...TAG_QUOTED, accepted()]).when(submitProof()).then([proofSubmitted()]);
    });
  });

  describe('tracing', () => {
    it('succeeds: credited = amount − fee of the accepted quote', () => {
      spec.given(TRACING).when(succeed('0xfeedfacecafebeef00112233')).then([succeeded({ creditTxHash: '0xfeedfacecafebeef00112233' })]);
      expect(stateOf(SUCCEEDED)).toMatchObject({ status: 'succeeded', outcome: { kind: 'succeeded', credited: '1350.45', fee: '150.05' } });
    });

    it('credits exactly, to the last of 18 decimals, where floats are wrong', () => {
      const amount = '1234567.123456789012345678';
      expect(String(Number(amount) - 5)).not.toBe('1234562.123456789012345678');
      const deposit = { ...DEPOSIT, asset: 'ETH', amount };
      const history = [
        requested(deposit),
        quoted({ amount, asset: 'ETH', fee: '5', creditedOnSuccess: '1234562.123456789012345678' }),
        accepted(),
        tracingStarted(),
      ];
      spec.given(history).when(succeed()).then([succeeded({ amount, asset: 'ETH', fee: '5', credited: '1234562.123456789012345678' })]);
      // Unclamped: the full 10% with 19 decimals, kept exact from the quote to the credit.
      spec
        .given([])
        .when(request({ ...INPUT, asset: 'ABC', amount }))
        .then([requested({ ...deposit, asset: 'ABC' }), quoted({ amount, asset: 'ABC', fee: '123456.7123456789012345678', creditedOnSuccess: '1111110.4111111101111111102' })]);
      spec
        .given([requested({ ...deposit, asset: 'ABC' }), quoted({ amount, asset: 'ABC', fee: '123456.7123456789012345678', creditedOnSuccess: '1111110.4111111101111111102' }), accepted(), tracingStarted()])
        .when(succeed())
        .then([succeeded({ amount, asset: 'ABC', fee: '123456.7123456789012345678', credited: '1111110.4111111101111111102' })]);
    });

    it('credits what the accepted quote says, not a later rate: 0.3 ETH less 0.03', () => {
      const deposit = { ...DEPOSIT, asset: 'ETH', amount: '0.3' };
      spec
        .given([requested(deposit), quoted({ amount: '0.3', asset: 'ETH', fee: '0.03', creditedOnSuccess: '0.27' }), accepted(), tracingStarted()])
        .when(succeed())
        .then([succeeded({ amount: '0.3', asset: 'ETH', fee: '0.03', credited: '0.27' })]);
    });

    it('refuses success while a condition has no proof, naming it', () => {
      spec
        .given(TAG_TRACING)
        .when(succeed())
        .thenThrows(IllegalStateError, (error) => expect(error.message).toBe('Cannot complete the recovery as succeeded: no proof_of_ownership proof has been submitted'));
      expect(missingRecoveryProofs(stateOf(TAG_TRACING))).toEqual(['proof_of_ownership']);
    });

    it('succeeds once the proof is in', () => {
      spec
        .given([...TAG_TRACING, proofSubmitted()])
        .when(succeed())
        .then([succeeded({ amount: '2500', asset: 'XRP', fee: '250', credited: '2250' })]);
      expect(missingRecoveryProofs(stateOf([...TAG_TRACING, proofSubmitted()]))).toEqual([]);
    });

    it('decides nothing for the same proof again, in any key order; records a different one', () => {
      const reordered = { signature: PROOF.signature, message: PROOF.message, method: PROOF.method };
      spec.given([...TAG_TRACING, proofSubmitted()]).when(submitProof(reordered)).thenNothingHappens();
      const better = { ...PROOF, txHash: XRP_INPUT.txHash };
      spec.given([...TAG_TRACING, proofSubmitted()]).when(submitProof(better)).then([proofSubmitted(better)]);
      expect(stateOf([...TAG_TRACING, proofSubmitted(), proofSubmitted(better)]).proofs).toHaveLength(2);
    });

    it('decides nothing when tracing is started again', () => {
      spec.given(TRACING).when(startTracing()).thenNothingHappens();
    });

    it('refuses a credit tx hash that is not one', () => {
      spec
        .given(TRACING)
        .when(succeed('not a hash'))
        .thenThrows(ValidationError, (error) => expect(fieldsOf(error)).toEqual(['creditTxHash']));
    });

    it('fails with a reason, trimmed, charging no fee', () => {
      spec.given(TRACING).when(fail('  the receiving contract has no withdrawal function ')).then([failed('the receiving contract has no withdrawal function')]);
    });

    it.each([
      ['a blank reason', '   '],
      [`a reason over ${MAX_RECOVERY_REASON} characters`, 'x'.repeat(MAX_RECOVERY_REASON + 1)],
    ])('refuses to fail with %s', (_case, reason) => {
      spec
        .given(TRACING)
        .when(fail(reason))
        .thenThrows(ValidationError, (error) => expect(fieldsOf(error)).toEqual(['reason']));
    });

    it('alerts on an overrun once, also while tracing', () => {
      spec.given(TRACING).when(checkOverrun(AFTER_ETA)).then([overrun()]);
      spec.given([...TRACING, overrun()]).when(checkOverrun('2027-03-01T00:00:00.000Z')).thenNothingHappens();
    });

    it('still completes after an overrun', () => {
      spec.given([...TRACING, overrun()]).when(succeed()).then([succeeded()]);
    });
  });

  describe('succeeded', () => {
    it('decides nothing for the same completion again', () => {
      spec.given(SUCCEEDED).when(succeed()).thenNothingHappens();
    });

    it.each(EVERY_COMMAND.filter(([name]) => !['accept', 'start tracing', 'succeed'].includes(name)))('cannot %s', (_case, command) => {
      spec.given(SUCCEEDED).when(command).thenThrows(IllegalStateError);
    });

    it('refuses a different success and starting tracing again', () => {
      spec.given(SUCCEEDED).when(succeed('0xfeedfacecafebeef00112233')).thenThrows(IllegalStateError);
      spec.given(SUCCEEDED).when(startTracing()).thenThrows(IllegalStateError);
    });

    it('raises no overrun alert', () => {
      spec.given(SUCCEEDED).when(checkOverrun(AFTER_ETA)).thenNothingHappens();
    });
  });

  describe('failed', () => {
    it('decides nothing for the same failure again', () => {
      spec.given(FAILED).when(fail()).thenNothingHappens();
    });

    it('refuses success, another failure reason and new proofs', () => {
      spec.given(FAILED).when(succeed()).thenThrows(IllegalStateError);
      spec.given(FAILED).when(fail('something else')).thenThrows(IllegalStateError);
      spec.given([...TAG_TRACING, failed()]).when(submitProof()).thenThrows(IllegalStateError);
    });

    it('raises no overrun alert', () => {
      spec.given(FAILED).when(checkOverrun(AFTER_ETA)).thenNothingHappens();
    });
  });

  describe('declined', () => {
    it('is terminal, showing who declined', () => {
      expect(stateOf(DECLINED)).toMatchObject({ status: 'declined', outcome: { kind: 'declined', quoteId: 'q-1', reason: null, by: CUSTOMER } });
    });

    it('decides nothing when the same quote is declined again', () => {
      spec.given(DECLINED).when(decline()).thenNothingHappens();
    });

    it.each(EVERY_COMMAND.filter(([name]) => name !== 'decline'))('cannot %s', (_case, command) => {
      spec.given(DECLINED).when(command).thenThrows(IllegalStateError);
    });

    it('raises no overrun alert', () => {
      spec.given(DECLINED).when(checkOverrun(AFTER_ETA)).thenNothingHappens();
    });
  });

  describe('the whole happy path', () => {
    it('goes request → quote → proof → accept → tracing → overrun → recovered, each step on the state before it', () => {
      let history: RecoveryEvent[] = [];
      const step = (command: RecoveryCommand): readonly RecoveryEvent[] => {
        const decided = recoveryDecider.decide(command, stateOf(history)) as readonly RecoveryEvent[];
        history = [...history, ...decided];
        return decided;
      };
      expect(step(request(XRP_INPUT)).map((e) => e.type)).toEqual(['RecoveryRequested', 'RecoveryQuoted']);
      expect(step(submitProof())).toEqual([proofSubmitted()]);
      expect(step(accept())).toEqual([accepted()]);
      expect(step(startTracing())).toEqual([tracingStarted()]);
      expect(step(checkOverrun(AFTER_ETA))).toEqual([overrun()]);
      expect(step(checkOverrun('2027-01-08T00:00:00.000Z'))).toEqual([]);
      expect(step(succeed())).toEqual([succeeded({ amount: '2500', asset: 'XRP', fee: '250', credited: '2250' })]);
      expect(stateOf(history)).toMatchObject({ status: 'succeeded', proofs: [{ condition: 'proof_of_ownership' }], overrunAlerted: true, outcome: { kind: 'succeeded', credited: '2250' } });
      expect(history.every((e) => e.schemaVersion === 1)).toBe(true);
    });
  });
});

describe('recovery fees (property)', () => {
  // FC_SEED replays a seed; FRESH_SEEDS draws a new one; otherwise the fixed seed of every property spec.
  const fresh = process.env['FRESH_SEEDS'] !== undefined && process.env['FRESH_SEEDS'] !== '';
  const seed = process.env['FC_SEED'] ? Number(process.env['FC_SEED']) : fresh ? Math.floor(Math.random() * 2 ** 31) : 20261207;
  if (process.env['FC_SEED'] || fresh) console.log(`recovery fee property seed: ${seed} (FC_SEED=${seed} replays it)`);

  /** A plain decimal string of up to `integerDigits` digits before the point and up to 18 after. */
  const decimal = (integerDigits: number) =>
    fc
      .tuple(fc.bigInt({ min: 0n, max: 10n ** BigInt(integerDigits) - 1n }), fc.integer({ min: 0, max: 18 }), fc.bigInt({ min: 0n, max: 10n ** 18n - 1n }))
      .map(([whole, scale, fraction]) => (scale === 0 ? whole.toString() : `${whole}.${(fraction % 10n ** BigInt(scale)).toString().padStart(scale, '0')}`))
      .filter((text) => !new Dec(text).isZero());
  const amount = fc.oneof(decimal(2), decimal(6), decimal(20));
  const feeRate = fc.integer({ min: 1, max: 9999 }).map((basisPoints) => `0.${basisPoints.toString().padStart(4, '0')}`);
  const limits = fc
    .tuple(fc.option(decimal(4), { nil: undefined }), fc.option(decimal(6), { nil: undefined }))
    .map(([a, b]) => (a !== undefined && b !== undefined && new Dec(a).gt(b) ? { minimum: b, maximum: a } : { minimum: a, maximum: b }))
    .map(({ minimum, maximum }) => ({ ...(minimum !== undefined && { minimum }), ...(maximum !== undefined && { maximum }) }));

  it('a quote keeps the fee within the limits and below the amount, and fee + credited = amount, through to the credit', () => {
    let quotes = 0;
    let refusals = 0;
    fc.assert(
      fc.property(amount, feeRate, limits, fc.integer({ min: 0, max: 9 }), (drawn, rate, assetLimits, edge) => {
        // One time in ten the amount is exactly the minimum fee: the edge where nothing would be left.
        const value = edge === 0 && assetLimits.minimum !== undefined ? assetLimits.minimum : drawn;
        const configured: RecoveryRules = { ...rules, feeRate: rate, fees: { USDT: assetLimits } };
        let decided: readonly RecoveryEvent[];
        try {
          decided = recoveryDecider.decide(request({ ...INPUT, amount: value }, { rules: configured }), stateOf([])) as readonly RecoveryEvent[];
        } catch (error) {
          // Refused only because the fee would take it all: the clamped fee is the minimum and reaches the amount.
          expect(error).toBeInstanceOf(UnprocessableError);
          expect((error as DomainError).message).toContain('is below what a recovery costs');
          expect(assetLimits.minimum).toBeDefined();
          expect(new Dec(assetLimits.minimum!).gte(value)).toBe(true);
          refusals += 1;
          return;
        }
        const quote = decided.find((e): e is RecoveryQuoted => e.type === 'RecoveryQuoted')!.data;
        const fee = new Dec(quote.fee);
        const credited = new Dec(quote.creditedOnSuccess);
        if (assetLimits.minimum !== undefined) expect(fee.gte(assetLimits.minimum)).toBe(true);
        if (assetLimits.maximum !== undefined) expect(fee.lte(assetLimits.maximum)).toBe(true);
        if (assetLimits.minimum === undefined && assetLimits.maximum === undefined) expect(fee.eq(new Dec(value).times(rate))).toBe(true);
        expect(fee.lt(value)).toBe(true);
        expect(credited.gt(0)).toBe(true);
        expect(fee.plus(credited).eq(value)).toBe(true);
        const history = [...decided, accepted(), tracingStarted()];
        const [success] = recoveryDecider.decide(succeed(), stateOf(history)) as readonly RecoveryEvent[];
        if (success?.type !== 'RecoverySucceeded') throw new Error(`expected RecoverySucceeded, got ${success?.type}`);
        expect(success.data.credited).toBe(quote.creditedOnSuccess);
        expect(new Dec(success.data.credited).plus(success.data.fee).eq(value)).toBe(true);
        quotes += 1;
      }),
      { seed, numRuns: 500 },
    );
    // The property is only worth something if both branches ran.
    expect(quotes).toBeGreaterThan(100);
    expect(refusals).toBeGreaterThan(10);
  });
});
