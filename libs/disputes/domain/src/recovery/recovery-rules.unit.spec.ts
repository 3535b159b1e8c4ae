import type { MisdirectedDeposit } from '@ticketing/contracts';
import { UnprocessableError, ValidationError } from '@ticketing/kernel';
import { Dec, decimalString } from '../decimal';
import {
  DEFAULT_RECOVERY_RULES,
  judgeRecovery,
  knownNetworks,
  NO_RULE_MATCHED,
  normalizeNetwork,
  parseRecoveryRules,
  quoteFee,
  recoveryRulesProblems,
  type RecoveryRules,
} from './recovery-rules';

const rules = DEFAULT_RECOVERY_RULES;

const deposit = (overrides: Partial<MisdirectedDeposit> = {}): MisdirectedDeposit => ({
  asset: 'USDT',
  amount: '1500',
  txHash: '0xabc123def4567890',
  sentNetwork: 'BSC',
  expectedNetwork: 'ETH',
  address: '0x52908400098527886E0F7030069857D2E4169EE7',
  memo: null,
  ...overrides,
});

/** The fee quote as strings. */
const quoted = (amount: string, asset: string, with_: Pick<RecoveryRules, 'feeRate' | 'fees'> = rules) => {
  const quote = quoteFee(new Dec(amount), asset, with_);
  return { fee: decimalString(quote.fee), feeRate: quote.feeRate, creditedOnSuccess: decimalString(quote.creditedOnSuccess) };
};

describe('recovery rules', () => {
  describe('the defaults', () => {
    it('are a valid document', () => {
      expect(recoveryRulesProblems(DEFAULT_RECOVERY_RULES)).toEqual([]);
      expect(parseRecoveryRules(undefined)).toEqual(DEFAULT_RECOVERY_RULES);
    });

    it('judge ETH sent on BSC recoverable (the same address on both EVM chains), with no conditions', () => {
      expect(judgeRecovery(deposit({ asset: 'ETH', sentNetwork: 'BSC', expectedNetwork: 'ETH' }), rules)).toEqual({
        feasible: true,
        rule: 'evm-to-evm',
        conditions: [],
        reason: expect.stringContaining('BSC and ETH are both EVM networks'),
      });
    });

    it('judge an XRP deposit without its tag recoverable, on proof of ownership', () => {
      const judged = judgeRecovery(deposit({ asset: 'XRP', sentNetwork: 'XRP', expectedNetwork: 'XRP', memo: null }), rules);
      expect(judged).toMatchObject({ feasible: true, rule: 'memo-missing-on-tag-network', conditions: ['proof_of_ownership'] });
    });

    it('count a blank memo as missing', () => {
      expect(judgeRecovery(deposit({ asset: 'XLM', sentNetwork: 'XLM', expectedNetwork: 'XLM', memo: '   ' }), rules)).toMatchObject({ feasible: true, rule: 'memo-missing-on-tag-network' });
    });

    it('judge TRON → ETH unsupported, naming both networks', () => {
      const judged = judgeRecovery(deposit({ sentNetwork: 'TRON', expectedNetwork: 'ETH' }), rules);
      expect(judged).toEqual({ feasible: false, rule: 'incompatible-networks', reason: expect.stringMatching(/^TRON → ETH: the address formats differ/) });
      if (!judged.feasible) expect(judged.reason).toContain('the exchange holds no key on TRON');
    });

    it('judge a wrong memo on a tag network recoverable with proof of ownership, like a missing one', () => {
      expect(judgeRecovery(deposit({ asset: 'XRP', sentNetwork: 'XRP', expectedNetwork: 'XRP', memo: '104857' }), rules)).toEqual({
        feasible: true,
        rule: 'wrong-memo-on-tag-network',
        conditions: ['proof_of_ownership'],
        reason: expect.stringMatching(/does not identify your account.*not guaranteed/),
      });
    });

    it('judge the same network where no memo is needed unsupported: a missing-deposit case', () => {
      for (const same of [deposit({ sentNetwork: 'ETH', expectedNetwork: 'ETH' }), deposit({ asset: 'BTC', sentNetwork: 'BTC', expectedNetwork: 'BTC', memo: 'note' })]) {
        expect(judgeRecovery(same, rules)).toEqual({
          feasible: false,
          rule: 'same-network',
          reason: 'not a wrong-network deposit: the network matches; a deposit on the right network that is not credited is a missing-deposit case',
        });
      }
    });

    it('judge an EVM network to a non-EVM one and across tag networks unsupported', () => {
      expect(judgeRecovery(deposit({ sentNetwork: 'ETH', expectedNetwork: 'SOL' }), rules)).toMatchObject({ feasible: false, rule: 'incompatible-networks' });
      expect(judgeRecovery(deposit({ asset: 'XRP', sentNetwork: 'XLM', expectedNetwork: 'XRP' }), rules)).toMatchObject({ feasible: false, rule: 'incompatible-networks' });
      expect(judgeRecovery(deposit({ asset: 'BTC', sentNetwork: 'LTC', expectedNetwork: 'BTC' }), rules)).toMatchObject({ feasible: false, rule: 'incompatible-networks' });
    });

    it('never promise success in a reason customers read', () => {
      for (const rule of DEFAULT_RECOVERY_RULES.rules) {
        expect(rule.reason).not.toMatch(/\bwill\b|\bguaranteed?\b(?<!not guaranteed)|\bensure|\bpromise/i);
        if (rule.outcome === 'recoverable') expect(rule.reason).toContain('not guaranteed');
      }
    });

    it('cover the networks the exchange supports, tag networks requiring a memo', () => {
      expect(knownNetworks(rules)).toEqual(
        expect.arrayContaining(['ETH', 'BSC', 'POLYGON', 'ARBITRUM', 'OPTIMISM', 'AVAXC', 'BASE', 'TRON', 'BTC', 'LTC', 'SOL', 'XRP', 'XLM', 'EOS', 'ATOM', 'TON', 'HBAR']),
      );
      for (const tagged of ['XRP', 'XLM', 'EOS', 'ATOM', 'TON', 'HBAR']) expect(rules.networks[tagged]?.memo).toBe('required');
    });
  });

  describe('judging by configured rules', () => {
    it('takes the first rule that holds, and fills the placeholders', () => {
      const custom = parseRecoveryRules({
        rules: [
          { name: 'usdt-only-tron', when: { assets: ['USDT'], sameFamily: false }, outcome: 'unsupported', reason: '{asset} from {sent} to {expected}: no' },
          { name: 'anything', when: {}, outcome: 'recoverable', conditions: ['proof_of_ownership'], reason: 'try it; not guaranteed' },
        ],
      });
      expect(judgeRecovery(deposit({ sentNetwork: 'TRON', expectedNetwork: 'ETH' }), custom)).toEqual({ feasible: false, rule: 'usdt-only-tron', reason: 'USDT from TRON to ETH: no' });
      expect(judgeRecovery(deposit({ asset: 'ETH', sentNetwork: 'TRON', expectedNetwork: 'ETH' }), custom)).toMatchObject({ feasible: true, rule: 'anything' });
    });

    it('refuses with a generic reason when no rule matches', () => {
      const custom = parseRecoveryRules({ rules: [{ name: 'evm', when: { families: ['evm'] }, outcome: 'recoverable', reason: 'not guaranteed' }] });
      expect(judgeRecovery(deposit({ sentNetwork: 'TRON', expectedNetwork: 'ETH' }), custom)).toEqual({ feasible: false, rule: NO_RULE_MATCHED, reason: expect.stringContaining('TRON → ETH') });
    });

    it('refuses a network the rules do not know', () => {
      expect(judgeRecovery(deposit({ sentNetwork: 'DOGE' }), rules)).toMatchObject({ feasible: false, rule: NO_RULE_MATCHED, reason: expect.stringContaining('DOGE') });
    });
  });

  describe('normalizeNetwork', () => {
    it.each([
      ['erc20', 'ETH'],
      ['ERC-20', 'ETH'],
      ['Ethereum', 'ETH'],
      ['BNB Smart Chain', 'BSC'],
      ['bnb-smart-chain', 'BSC'],
      ['  bep20 ', 'BSC'],
      ['Avalanche C-Chain', 'AVAXC'],
      ['avax-c', 'AVAXC'],
      ['trc20', 'TRON'],
      ['spl', 'SOL'],
      ['xrp', 'XRP'],
      ['Matic', 'POLYGON'],
    ])('resolves %j to %s', (name, network) => {
      expect(normalizeNetwork(name, rules)).toBe(network);
    });

    it.each(['', '   ', 'DOGE', 'ETH2', 'BNB Chain Smart'])('knows nothing of %j', (name) => {
      expect(normalizeNetwork(name, rules)).toBeUndefined();
    });
  });

  describe('quoteFee', () => {
    it('is 10% of the amount, exact where floats are not (1.1 × 0.1)', () => {
      expect(1.1 * 0.1).not.toBe(0.11);
      expect(quoted('0.3', 'NOLIMITS')).toEqual({ fee: '0.03', feeRate: '0.1', creditedOnSuccess: '0.27' });
      expect(quoted('1.1', 'NOLIMITS')).toEqual({ fee: '0.11', feeRate: '0.1', creditedOnSuccess: '0.99' });
    });

    it('keeps every digit of an 18-decimal amount', () => {
      expect(quoted('1234567890.123456789012345678', 'NOLIMITS')).toEqual({
        fee: '123456789.0123456789012345678',
        feeRate: '0.1',
        creditedOnSuccess: '1111111101.1111111101111111102',
      });
    });

    it('raises a fee below the asset minimum to the minimum', () => {
      expect(quoted('0.02', 'ETH')).toEqual({ fee: '0.005', feeRate: '0.1', creditedOnSuccess: '0.015' });
      expect(quoted('50', 'USDT')).toEqual({ fee: '10', feeRate: '0.1', creditedOnSuccess: '40' });
    });

    it('caps a fee above the asset maximum at the maximum', () => {
      expect(quoted('250000.5', 'USDT')).toEqual({ fee: '10000', feeRate: '0.1', creditedOnSuccess: '240000.5' });
      expect(quoted('100', 'ETH')).toEqual({ fee: '5', feeRate: '0.1', creditedOnSuccess: '95' });
    });

    it('takes the configured rate', () => {
      expect(quoted('0.7', 'NOLIMITS', { feeRate: '0.15', fees: {} })).toEqual({ fee: '0.105', feeRate: '0.15', creditedOnSuccess: '0.595' });
    });

    it.each([
      ['0.004', 'ETH', '0.005'],
      ['0.005', 'ETH', '0.005'],
      ['10', 'USDT', '10'],
    ])('refuses %s %s: the minimum fee %s would take it all', (amount, asset, minimum) => {
      expect(() => quoted(amount, asset)).toThrow(UnprocessableError);
      expect(() => quoted(amount, asset)).toThrow(`amount ${amount} ${asset} is below what a recovery costs (minimum fee ${minimum} ${asset})`);
    });

    it('quotes an amount just above the minimum fee', () => {
      expect(quoted('10.000000000000000001', 'USDT')).toEqual({ fee: '10', feeRate: '0.1', creditedOnSuccess: '0.000000000000000001' });
    });
  });

  describe('validating a configured document', () => {
    it('fills what a document leaves out from the defaults', () => {
      const parsed = parseRecoveryRules({ feeRate: '0.12', quoteValidityHours: 24 });
      expect(parsed).toEqual({ ...DEFAULT_RECOVERY_RULES, feeRate: '0.12', quoteValidityHours: 24 });
    });

    it('lists every problem at once, naming where each is', () => {
      const problems = recoveryRulesProblems({
        feeRate: '1.5',
        fees: { ETH: { minimum: '5', maximum: '0.5' }, USDT: { minimum: '1e3' }, btc: {}, BNB: { min: '1' } },
        etaWorkingDays: { min: 0, max: 30 },
        quoteValidityHours: 0,
        calendar: '',
        extra: true,
      });
      expect(problems).toEqual([
        'unknown field "extra" (known: feeRate, fees, etaWorkingDays, calendar, quoteValidityHours, networks, rules)',
        'feeRate must be below 1 (a share of the amount: "0.10" is 10%), got "1.5"',
        'fees.ETH: minimum 5 is above maximum 0.5',
        'fees.USDT.minimum must be plain digits, not exponent notation (got "1e3")',
        'fees.btc: "btc" is not an asset symbol (2–15 upper-case letters or digits)',
        'fees.BNB has an unknown field "min" (known: minimum, maximum)',
        'etaWorkingDays.min must be a whole number of working days from 1 to 365 (got 0)',
        'calendar must be the name of an SLA calendar (1–64 characters), e.g. "24/7"',
        'quoteValidityHours must be a whole number of hours from 1 to 720 (got 0)',
      ]);
    });

    it.each<[string, unknown, string]>([
      ['a zero fee rate', { feeRate: '0' }, 'feeRate must be greater than zero'],
      ['a fee rate of 1', { feeRate: '1' }, 'feeRate must be below 1'],
      ['a negative fee rate', { feeRate: '-0.1' }, 'feeRate must not be negative'],
      ['a fee rate as a number', { feeRate: 0.1 }, 'feeRate must be a decimal string'],
      ['an ETA window the wrong way round', { etaWorkingDays: { min: 30, max: 15 } }, 'etaWorkingDays.max 15 is below min 30'],
      ['a fractional ETA', { etaWorkingDays: { min: 1.5, max: 30 } }, 'etaWorkingDays.min must be a whole number'],
      ['fee limits with a comma', { fees: { USDT: { maximum: '10,000' } } }, 'fees.USDT.maximum must not contain spaces or digit separators'],
      ['a network name not normalized', { networks: { 'eth-main': { family: 'evm', memo: 'none' } } }, 'networks.eth-main: "eth-main" is not a normalized network name'],
      ['a network without a family', { networks: { ETH: { memo: 'none' } } }, 'networks.ETH.family must be'],
      ['a memo setting that is neither', { networks: { ETH: { family: 'evm', memo: 'optional' } } }, 'networks.ETH.memo must be "required" or "none"'],
      ['a network field unknown', { networks: { ETH: { family: 'evm', memo: 'none', chainId: 1 } } }, 'networks.ETH has an unknown field "chainId"'],
      ['no networks', { networks: {} }, 'networks must be a non-empty object'],
      ['no rules', { rules: [] }, 'rules must be a non-empty ordered list'],
      ['a rule with an unknown outcome', { rules: [{ name: 'x', when: {}, outcome: 'maybe', reason: 'r' }] }, 'rule "x": outcome must be one of recoverable, unsupported'],
      ['a rule with an unknown field', { rules: [{ name: 'x', when: {}, outcome: 'unsupported', reason: 'r', priority: 1 }] }, 'rule "x" has an unknown field "priority"'],
      ['a rule matching on an unknown field', { rules: [{ name: 'x', when: { chain: 'ETH' }, outcome: 'unsupported', reason: 'r' }] }, 'rule "x" matches on unknown field "chain"'],
      ['a rule with an unknown condition', { rules: [{ name: 'x', when: {}, outcome: 'recoverable', conditions: ['kyc'], reason: 'r' }] }, 'rule "x": condition "kyc" is not one of proof_of_ownership'],
      ['conditions on an unsupported outcome', { rules: [{ name: 'x', when: {}, outcome: 'unsupported', conditions: ['proof_of_ownership'], reason: 'r' }] }, 'an unsupported outcome carries no conditions'],
      ['a rule without a reason', { rules: [{ name: 'x', when: {}, outcome: 'unsupported' }] }, 'rule "x" needs a "reason"'],
      ['a rule without a name', { rules: [{ when: {}, outcome: 'unsupported', reason: 'r' }] }, 'rules[0] needs a "name"'],
      ['two rules of one name', { rules: [{ name: 'x', when: {}, outcome: 'unsupported', reason: 'r' }, { name: 'x', when: {}, outcome: 'unsupported', reason: 'r' }] }, 'rule "x" is named twice'],
      ['an unknown placeholder', { rules: [{ name: 'x', when: {}, outcome: 'unsupported', reason: '{network}: no' }] }, 'reason uses {network}, which is not a placeholder'],
      ['a non-boolean match', { rules: [{ name: 'x', when: { sameNetwork: 'yes' }, outcome: 'unsupported', reason: 'r' }] }, 'when.sameNetwork must be true or false'],
      ['a rule naming a family no network has', { rules: [{ name: 'x', when: { families: ['cosmos'] }, outcome: 'unsupported', reason: 'r' }] }, 'when.families "cosmos" is not the family of any network'],
      ['a rule naming a lower-case asset', { rules: [{ name: 'x', when: { assets: ['usdt'] }, outcome: 'unsupported', reason: 'r' }] }, 'when.assets "usdt" is not an asset symbol'],
      ['not an object', [], 'the recovery rules must be a JSON object'],
    ])('refuses %s', (_case, doc, problem) => {
      expect(recoveryRulesProblems(doc).join('\n')).toContain(problem);
    });

    it('refuses a name two networks answer to, whether a name or an alias', () => {
      const problems = recoveryRulesProblems({
        networks: {
          ETH: { family: 'evm', memo: 'none', aliases: ['ERC20', 'ARB'] },
          ARBITRUM: { family: 'evm', memo: 'none', aliases: ['arb', 'Eth'] },
          // A spelling of its own name is harmless.
          BSC: { family: 'evm', memo: 'none', aliases: ['bsc', 'B-S-C'] },
        },
      });
      expect(problems).toEqual([
        'networks.ARBITRUM: alias "arb" is also a name of ETH: every name must point to one network',
        'networks.ARBITRUM: alias "Eth" is also a name of ETH: every name must point to one network',
      ]);
    });

    it('checks the default rules against networks a document replaces: their families must still exist', () => {
      expect(recoveryRulesProblems({ networks: { BTC: { family: 'utxo', memo: 'none' } } })).toEqual([
        'rule "evm-to-evm": when.families "evm" is not the family of any network (known: utxo)',
      ]);
    });

    it('parseRecoveryRules throws one ValidationError listing them', () => {
      let thrown: unknown;
      try {
        parseRecoveryRules({ feeRate: '0', etaWorkingDays: { min: 20, max: 10 } });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ValidationError);
      const error = thrown as ValidationError;
      expect(error.errors.map((problem) => problem.message)).toEqual(['feeRate must be greater than zero', 'etaWorkingDays.max 10 is below min 20']);
      expect(error.message).toContain('feeRate must be greater than zero; etaWorkingDays.max 10 is below min 20');
    });
  });
});
