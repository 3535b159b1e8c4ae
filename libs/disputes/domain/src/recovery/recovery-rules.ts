import { RECOVERY_CONDITIONS, type MisdirectedDeposit, type RecoveryCondition } from '@ticketing/contracts';
import { UnprocessableError, ValidationError } from '@ticketing/kernel';
import { Dec, decimalString, parseDecimal } from '../decimal';

/** A network deposits can arrive on: its address family, and whether a deposit needs a memo/tag to reach the right account. */
export type RecoveryNetwork = Readonly<{
  /** Networks of one family share an address space (`evm`: the same key controls the same address on every EVM chain). */
  family: string;
  /** `required`: the exchange's deposit address is shared and the memo/tag names the account (XRP, XLM, …). */
  memo: 'required' | 'none';
  /** Other names customers and wallets use (`ERC20`, `BNB Smart Chain`); matched like the name itself. */
  aliases?: readonly string[];
}>;

export const RECOVERY_OUTCOMES = ['recoverable', 'unsupported'] as const;
export type RecoveryOutcomeKind = (typeof RECOVERY_OUTCOMES)[number];

/** What a rule looks at; every field given must hold, an empty `when` matches every deposit. */
export type RecoveryRuleWhen = Readonly<{
  /** The deposit was sent on the network the address expects (true) or on another one (false). */
  sameNetwork?: boolean;
  /** Both networks belong to one family (true) or not (false). */
  sameFamily?: boolean;
  /** Both networks' families are in the list. */
  families?: readonly string[];
  /** The expected network requires a memo/tag and none was given (null or blank). */
  memoMissing?: boolean;
  /** The expected network requires a memo/tag (whether or not one was given). */
  memoRequired?: boolean;
  /** The asset (upper-case symbol) is in the list. */
  assets?: readonly string[];
}>;

/** One feasibility rule; the first whose `when` holds decides. */
export type RecoveryRule = Readonly<{
  name: string;
  when: RecoveryRuleWhen;
  outcome: RecoveryOutcomeKind;
  /** What the customer must show before a recovery can succeed (only on `recoverable`). */
  conditions?: readonly RecoveryCondition[];
  /**
   * Customer-facing: why the deposit can or cannot be traced. Clear, honest, never a promise.
   * `{asset}`, `{sent}` and `{expected}` are replaced by the deposit's asset and networks.
   */
  reason: string;
}>;

/** Per asset, in the asset's own units: the least and the most a recovery costs. */
export type RecoveryFeeLimits = Readonly<{ minimum?: string; maximum?: string }>;

/** What an operator configures (JSON in `TICKETING_RECOVERY_RULES`); every field falls back to `DEFAULT_RECOVERY_RULES`. */
export type RecoveryRules = Readonly<{
  /** The share of the amount a recovery costs, a decimal in (0, 1): `"0.10"` is 10%. */
  feeRate: string;
  /** Asset (upper-case) → fee limits; an asset not listed pays the rate unclamped. */
  fees: Readonly<Record<string, RecoveryFeeLimits>>;
  /** The ETA window counted in working days from acceptance. */
  etaWorkingDays: Readonly<{ min: number; max: number }>;
  /** The SLA calendar working days are counted on (`24/7` counts calendar days). */
  calendar: string;
  /** How long a quote may be accepted. */
  quoteValidityHours: number;
  /** Normalized network name (upper-case letters and digits) → network. */
  networks: Readonly<Record<string, RecoveryNetwork>>;
  /** Ordered: the first that matches decides. */
  rules: readonly RecoveryRule[];
}>;

const MEMO_REQUIRED = (family = 'tag'): RecoveryNetwork => ({ family, memo: 'required' });

/**
 * The defaults of docs/architecture.md §1: manual on-chain tracing, 15–30 working days, fee 10% of
 * the amount, success not guaranteed. Fee limits are roughly 10 and 10,000 USD in each asset.
 */
/**
 * The built-in working-day calendar, Monday to Friday in UTC (no holidays): the default for
 * recoveries' ETA windows. Any other name is an SLA calendar (with its zone and holidays).
 */
export const WEEKDAYS_CALENDAR = 'mon-fri-utc';

export const DEFAULT_RECOVERY_RULES: RecoveryRules = {
  feeRate: '0.10',
  fees: {
    BTC: { minimum: '0.0001', maximum: '0.1' },
    ETH: { minimum: '0.005', maximum: '5' },
    USDT: { minimum: '10', maximum: '10000' },
    USDC: { minimum: '10', maximum: '10000' },
    DAI: { minimum: '10', maximum: '10000' },
    FDUSD: { minimum: '10', maximum: '10000' },
    BNB: { minimum: '0.02', maximum: '20' },
    SOL: { minimum: '0.1', maximum: '70' },
    TRX: { minimum: '50', maximum: '40000' },
    XRP: { minimum: '5', maximum: '5000' },
    LTC: { minimum: '0.1', maximum: '100' },
  },
  etaWorkingDays: { min: 15, max: 30 },
  calendar: WEEKDAYS_CALENDAR,
  quoteValidityHours: 72,
  networks: {
    ETH: { family: 'evm', memo: 'none', aliases: ['ERC20', 'ETHEREUM'] },
    BSC: { family: 'evm', memo: 'none', aliases: ['BEP20', 'BNB SMART CHAIN'] },
    POLYGON: { family: 'evm', memo: 'none', aliases: ['MATIC'] },
    ARBITRUM: { family: 'evm', memo: 'none', aliases: ['ARB', 'ARBITRUM ONE'] },
    OPTIMISM: { family: 'evm', memo: 'none', aliases: ['OP'] },
    AVAXC: { family: 'evm', memo: 'none', aliases: ['AVAX-C', 'AVALANCHE C-CHAIN'] },
    BASE: { family: 'evm', memo: 'none' },
    TRON: { family: 'tron', memo: 'none', aliases: ['TRC20', 'TRX'] },
    BTC: { family: 'utxo', memo: 'none', aliases: ['BITCOIN'] },
    LTC: { family: 'utxo', memo: 'none', aliases: ['LITECOIN'] },
    SOL: { family: 'solana', memo: 'none', aliases: ['SPL', 'SOLANA'] },
    XRP: MEMO_REQUIRED(),
    XLM: MEMO_REQUIRED(),
    EOS: MEMO_REQUIRED(),
    ATOM: MEMO_REQUIRED(),
    TON: MEMO_REQUIRED(),
    HBAR: MEMO_REQUIRED(),
  },
  rules: [
    {
      name: 'memo-missing-on-tag-network',
      when: { sameNetwork: true, memoMissing: true },
      outcome: 'recoverable',
      conditions: ['proof_of_ownership'],
      reason:
        'the {asset} reached the exchange on {sent} without the memo/tag that identifies your account; once you prove you own the sending address, the tracing team can try to match it to your account. A recovery is not guaranteed',
    },
    {
      // A memo given but wrong (a typo, another exchange's) lands the same way as a missing one.
      name: 'wrong-memo-on-tag-network',
      when: { sameNetwork: true, memoRequired: true },
      outcome: 'recoverable',
      conditions: ['proof_of_ownership'],
      reason:
        'the {asset} reached the exchange on {sent} with a memo/tag that does not identify your account; once you prove you own the sending address, the tracing team can try to match it to your account. A recovery is not guaranteed',
    },
    {
      name: 'evm-to-evm',
      when: { sameNetwork: false, families: ['evm'] },
      outcome: 'recoverable',
      reason:
        '{sent} and {expected} are both EVM networks and the exchange controls the same address on both, so the tracing team can try to move the {asset} back; a recovery is not guaranteed',
    },
    {
      name: 'same-network',
      when: { sameNetwork: true },
      outcome: 'unsupported',
      reason: 'not a wrong-network deposit: the network matches; a deposit on the right network that is not credited is a missing-deposit case',
    },
    {
      name: 'incompatible-networks',
      when: {},
      outcome: 'unsupported',
      reason:
        '{sent} → {expected}: the address formats differ and the exchange holds no key on {sent} for this address, so the {asset} cannot be traced back to your account',
    },
  ],
};

/** When no rule matches (an operator's list without a catch-all). */
export const NO_RULE_MATCHED = 'no-rule-matched';

const TOP_LEVEL_KEYS = ['feeRate', 'fees', 'etaWorkingDays', 'calendar', 'quoteValidityHours', 'networks', 'rules'] as const;
const WHEN_KEYS = ['sameNetwork', 'sameFamily', 'families', 'memoMissing', 'memoRequired', 'assets'] as const;
const RULE_KEYS = ['name', 'when', 'outcome', 'conditions', 'reason'] as const;
const NETWORK_KEYS = ['family', 'memo', 'aliases'] as const;
const FEE_KEYS = ['minimum', 'maximum'] as const;
const PLACEHOLDERS = ['asset', 'sent', 'expected'] as const;
/** An asset symbol as the API accepts it (after upper-casing). */
export const ASSET_SYMBOL = /^[A-Z0-9]{2,15}$/;
const NETWORK_NAME = /^[A-Z0-9]{2,32}$/;
const FAMILY_NAME = /^[a-z0-9_-]{1,32}$/;
const MAX_ETA_WORKING_DAYS = 365;
const MAX_QUOTE_VALIDITY_HOURS = 24 * 30;
const MAX_REASON = 500;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const unknownKeys = (value: Record<string, unknown>, known: readonly string[]): string[] => Object.keys(value).filter((key) => !known.includes(key));

/** A network name as compared: upper-case, without spaces, dashes or underscores (`"BNB Smart-Chain"` → `BNBSMARTCHAIN`). */
const squash = (name: string): string => name.toUpperCase().replace(/[\s_-]+/g, '');

/** The rules' network for a name a customer or wallet uses, case/space/dash-insensitive, aliases resolved; undefined when unknown. */
export function normalizeNetwork(name: string, rules: Pick<RecoveryRules, 'networks'>): string | undefined {
  const wanted = squash(name.trim());
  if (wanted.length === 0) return undefined;
  for (const [network, spec] of Object.entries(rules.networks)) {
    if (squash(network) === wanted || (spec.aliases ?? []).some((alias) => squash(alias) === wanted)) return network;
  }
  return undefined;
}

/** The networks the rules know, in their order. */
export const knownNetworks = (rules: Pick<RecoveryRules, 'networks'>): string[] => Object.keys(rules.networks);

function feeRateProblems(value: unknown): string[] {
  const parsed = parseDecimal('feeRate', value);
  if ('problem' in parsed) return [parsed.problem];
  return parsed.value.gte(1) ? [`feeRate must be below 1 (a share of the amount: "0.10" is 10%), got "${String(value)}"`] : [];
}

function feesProblems(fees: unknown): string[] {
  if (!isObject(fees)) return ['fees must be an object of asset → { minimum?, maximum? }'];
  const problems: string[] = [];
  for (const [asset, limits] of Object.entries(fees)) {
    const label = `fees.${asset}`;
    if (!ASSET_SYMBOL.test(asset)) problems.push(`${label}: "${asset}" is not an asset symbol (2–15 upper-case letters or digits)`);
    if (!isObject(limits)) {
      problems.push(`${label} must be an object { minimum?, maximum? }`);
      continue;
    }
    for (const key of unknownKeys(limits, FEE_KEYS)) problems.push(`${label} has an unknown field "${key}" (known: ${FEE_KEYS.join(', ')})`);
    const parsed: Partial<Record<(typeof FEE_KEYS)[number], Dec>> = {};
    for (const key of FEE_KEYS) {
      if (limits[key] === undefined) continue;
      const one = parseDecimal(`${label}.${key}`, limits[key]);
      if ('problem' in one) problems.push(one.problem);
      else parsed[key] = one.value;
    }
    if (parsed.minimum !== undefined && parsed.maximum !== undefined && parsed.minimum.gt(parsed.maximum)) {
      problems.push(`${label}: minimum ${decimalString(parsed.minimum)} is above maximum ${decimalString(parsed.maximum)}`);
    }
  }
  return problems;
}

function etaProblems(eta: unknown): string[] {
  if (!isObject(eta)) return ['etaWorkingDays must be an object { min, max } of whole working days'];
  const problems = unknownKeys(eta, ['min', 'max']).map((key) => `etaWorkingDays has an unknown field "${key}" (known: min, max)`);
  const { min, max } = eta;
  const whole = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value);
  if (!whole(min) || min < 1 || min > MAX_ETA_WORKING_DAYS) problems.push(`etaWorkingDays.min must be a whole number of working days from 1 to ${MAX_ETA_WORKING_DAYS} (got ${JSON.stringify(min)})`);
  if (!whole(max) || max > MAX_ETA_WORKING_DAYS) problems.push(`etaWorkingDays.max must be a whole number of working days up to ${MAX_ETA_WORKING_DAYS} (got ${JSON.stringify(max)})`);
  else if (whole(min) && max < min) problems.push(`etaWorkingDays.max ${max} is below min ${min}`);
  return problems;
}

function networksProblems(networks: unknown): string[] {
  if (!isObject(networks) || Object.keys(networks).length === 0) return ['networks must be a non-empty object of network name → { family, memo, aliases? }'];
  const problems: string[] = [];
  /** Every name a network answers to (squashed) → the network that claims it first. */
  const claimed = new Map<string, string>();
  const claim = (name: string, network: string, what: string) => {
    const key = squash(name.trim());
    const owner = claimed.get(key);
    // A spelling of the network's own name (`AVAX-C` of AVAXC) is harmless.
    if (owner === undefined) claimed.set(key, network);
    else if (owner !== network) problems.push(`networks.${network}: ${what} "${name}" is also a name of ${owner}: every name must point to one network`);
  };
  for (const [network, spec] of Object.entries(networks)) {
    const label = `networks.${network}`;
    if (!NETWORK_NAME.test(network)) problems.push(`${label}: "${network}" is not a normalized network name (2–32 upper-case letters or digits; other spellings go in aliases)`);
    else claim(network, network, 'name');
    if (!isObject(spec)) {
      problems.push(`${label} must be an object { family, memo, aliases? }`);
      continue;
    }
    for (const key of unknownKeys(spec, NETWORK_KEYS)) problems.push(`${label} has an unknown field "${key}" (known: ${NETWORK_KEYS.join(', ')})`);
    if (typeof spec['family'] !== 'string' || !FAMILY_NAME.test(spec['family'])) problems.push(`${label}.family must be 1–32 lower-case letters, digits, "-" or "_" (e.g. evm, utxo, tron, solana, tag)`);
    if (spec['memo'] !== 'required' && spec['memo'] !== 'none') problems.push(`${label}.memo must be "required" or "none" (got ${JSON.stringify(spec['memo'])})`);
    const aliases = spec['aliases'];
    if (aliases === undefined) continue;
    if (!Array.isArray(aliases)) {
      problems.push(`${label}.aliases must be a list of names`);
      continue;
    }
    for (const alias of aliases) {
      if (typeof alias !== 'string' || squash(alias.trim()).length === 0 || alias.length > 64) problems.push(`${label}.aliases: ${JSON.stringify(alias)} is not a name of 1–64 characters`);
      else claim(alias, network, 'alias');
    }
  }
  return problems;
}

function reasonProblems(label: string, reason: unknown): string[] {
  if (typeof reason !== 'string' || reason.trim().length === 0 || reason.length > MAX_REASON) return [`${label} needs a "reason" of 1–${MAX_REASON} characters: customers read it`];
  return [...reason.matchAll(/\{([^}]*)\}/g)]
    .map((match) => match[1])
    .filter((name) => !(PLACEHOLDERS as readonly string[]).includes(name))
    .map((name) => `${label}: reason uses {${name}}, which is not a placeholder (known: ${PLACEHOLDERS.map((one) => `{${one}}`).join(', ')})`);
}

function whenProblems(label: string, when: unknown, families: ReadonlySet<string>): string[] {
  if (!isObject(when)) return [`${label} needs a "when" object ({} matches every deposit)`];
  const problems = unknownKeys(when, WHEN_KEYS).map((key) => `${label} matches on unknown field "${key}" (known: ${WHEN_KEYS.join(', ')})`);
  for (const key of ['sameNetwork', 'sameFamily', 'memoMissing', 'memoRequired'] as const) {
    if (when[key] !== undefined && typeof when[key] !== 'boolean') problems.push(`${label}: when.${key} must be true or false`);
  }
  const list = (key: 'families' | 'assets', valid: (one: string) => string | null) => {
    const value = when[key];
    if (value === undefined) return;
    if (!Array.isArray(value) || value.length === 0) return void problems.push(`${label}: when.${key} must be a non-empty list`);
    for (const one of value) {
      const problem = typeof one === 'string' ? valid(one) : `${JSON.stringify(one)} is not a string`;
      if (problem !== null) problems.push(`${label}: when.${key} ${problem}`);
    }
  };
  list('families', (family) => (families.has(family) ? null : `"${family}" is not the family of any network (known: ${[...families].join(', ')})`));
  list('assets', (asset) => (ASSET_SYMBOL.test(asset) ? null : `"${asset}" is not an asset symbol (2–15 upper-case letters or digits)`));
  return problems;
}

function rulesProblems(rules: unknown, families: ReadonlySet<string>): string[] {
  if (!Array.isArray(rules) || rules.length === 0) return ['rules must be a non-empty ordered list of { name, when, outcome, conditions?, reason }'];
  const problems: string[] = [];
  const names = new Set<string>();
  rules.forEach((rule: unknown, index) => {
    const label = `rules[${index}]`;
    if (!isObject(rule)) return void problems.push(`${label} must be an object { name, when, outcome, conditions?, reason }`);
    const { name, when, outcome, conditions, reason } = rule;
    const named = typeof name === 'string' && name.trim().length > 0 && name.length <= 100 ? `rule "${name}"` : label;
    if (named === label) problems.push(`${label} needs a "name" (1–100 characters)`);
    else if (names.has(name as string)) problems.push(`${named} is named twice`);
    else names.add(name as string);
    for (const key of unknownKeys(rule, RULE_KEYS)) problems.push(`${named} has an unknown field "${key}" (known: ${RULE_KEYS.join(', ')})`);
    problems.push(...whenProblems(named, when, families));
    if (!(RECOVERY_OUTCOMES as readonly unknown[]).includes(outcome)) problems.push(`${named}: outcome must be one of ${RECOVERY_OUTCOMES.join(', ')} (got ${JSON.stringify(outcome)})`);
    if (conditions !== undefined) {
      if (!Array.isArray(conditions)) problems.push(`${named}: conditions must be a list of ${RECOVERY_CONDITIONS.join(', ')}`);
      else {
        for (const condition of conditions) {
          if (!(RECOVERY_CONDITIONS as readonly unknown[]).includes(condition)) problems.push(`${named}: condition ${JSON.stringify(condition)} is not one of ${RECOVERY_CONDITIONS.join(', ')}`);
        }
        if (new Set(conditions).size !== conditions.length) problems.push(`${named} lists a condition twice`);
        if (outcome === 'unsupported' && conditions.length > 0) problems.push(`${named}: an unsupported outcome carries no conditions`);
      }
    }
    problems.push(...reasonProblems(named, reason));
  });
  return problems;
}

/**
 * Every problem of a configured rules document, each naming where it is: unknown fields, bad
 * decimals, limits the wrong way round, a fee rate outside (0, 1), ETA windows that are no window,
 * families no network has, names claimed by two networks, rules with unknown fields, outcomes or
 * conditions. Fields the document leaves out take the defaults' values (and are checked with them).
 */
export function recoveryRulesProblems(doc: unknown): string[] {
  if (doc === undefined) return [];
  if (!isObject(doc)) return ['the recovery rules must be a JSON object'];
  const problems = unknownKeys(doc, TOP_LEVEL_KEYS).map((key) => `unknown field "${key}" (known: ${TOP_LEVEL_KEYS.join(', ')})`);
  const merged = { ...DEFAULT_RECOVERY_RULES, ...doc } as Record<string, unknown>;
  problems.push(...feeRateProblems(merged['feeRate']), ...feesProblems(merged['fees']), ...etaProblems(merged['etaWorkingDays']));
  const calendar = merged['calendar'];
  if (typeof calendar !== 'string' || calendar.trim().length === 0 || calendar.length > 64) problems.push('calendar must be the name of an SLA calendar (1–64 characters), e.g. "24/7"');
  const validity = merged['quoteValidityHours'];
  if (typeof validity !== 'number' || !Number.isInteger(validity) || validity < 1 || validity > MAX_QUOTE_VALIDITY_HOURS) {
    problems.push(`quoteValidityHours must be a whole number of hours from 1 to ${MAX_QUOTE_VALIDITY_HOURS} (got ${JSON.stringify(validity)})`);
  }
  const networks = merged['networks'];
  problems.push(...networksProblems(networks));
  const families = new Set(isObject(networks) ? Object.values(networks).flatMap((spec) => (isObject(spec) && typeof spec['family'] === 'string' ? [spec['family']] : [])) : []);
  problems.push(...rulesProblems(merged['rules'], families));
  return problems;
}

/** The rules of a configured document (undefined: the defaults); throws a ValidationError listing every problem. */
export function parseRecoveryRules(doc: unknown): RecoveryRules {
  const problems = recoveryRulesProblems(doc);
  if (problems.length > 0) {
    throw new ValidationError(
      `Invalid recovery rules: ${problems.join('; ')}`,
      problems.map((message) => ({ field: 'recoveryRules', message })),
    );
  }
  return { ...DEFAULT_RECOVERY_RULES, ...(doc as Partial<RecoveryRules> | undefined) };
}

export type RecoveryJudgement =
  | Readonly<{ feasible: true; rule: string; conditions: readonly RecoveryCondition[]; reason: string }>
  | Readonly<{ feasible: false; rule: string; reason: string }>;

const blank = (memo: string | null): boolean => memo === null || memo.trim().length === 0;

function ruleHolds(when: RecoveryRuleWhen, deposit: MisdirectedDeposit, sent: RecoveryNetwork, expected: RecoveryNetwork): boolean {
  if (when.sameNetwork !== undefined && when.sameNetwork !== (deposit.sentNetwork === deposit.expectedNetwork)) return false;
  if (when.sameFamily !== undefined && when.sameFamily !== (sent.family === expected.family)) return false;
  if (when.families !== undefined && !(when.families.includes(sent.family) && when.families.includes(expected.family))) return false;
  if (when.memoMissing !== undefined && when.memoMissing !== (expected.memo === 'required' && blank(deposit.memo))) return false;
  if (when.memoRequired !== undefined && when.memoRequired !== (expected.memo === 'required')) return false;
  if (when.assets !== undefined && !when.assets.includes(deposit.asset)) return false;
  return true;
}

const fillReason = (reason: string, deposit: MisdirectedDeposit): string =>
  reason.replaceAll('{asset}', deposit.asset).replaceAll('{sent}', deposit.sentNetwork).replaceAll('{expected}', deposit.expectedNetwork);

/**
 * Whether a wrong-network recovery can be attempted for a deposit (asset upper-case, networks
 * normalized: see normalizeNetwork), by the first rule that holds. Feasible is never a promise.
 */
export function judgeRecovery(deposit: MisdirectedDeposit, rules: RecoveryRules): RecoveryJudgement {
  const sent = rules.networks[deposit.sentNetwork];
  const expected = rules.networks[deposit.expectedNetwork];
  if (sent === undefined || expected === undefined) {
    const unknown = [deposit.sentNetwork, deposit.expectedNetwork].filter((network) => rules.networks[network] === undefined);
    return { feasible: false, rule: NO_RULE_MATCHED, reason: `${unknown.join(' and ')}: not a network the exchange supports, so a deposit on it cannot be traced` };
  }
  for (const rule of rules.rules) {
    if (!ruleHolds(rule.when, deposit, sent, expected)) continue;
    const reason = fillReason(rule.reason, deposit);
    return rule.outcome === 'recoverable' ? { feasible: true, rule: rule.name, conditions: rule.conditions ?? [], reason } : { feasible: false, rule: rule.name, reason };
  }
  return {
    feasible: false,
    rule: NO_RULE_MATCHED,
    reason: `${deposit.sentNetwork} → ${deposit.expectedNetwork}: no recovery procedure exists for ${deposit.asset} sent this way, so it cannot be traced back to your account`,
  };
}

export type RecoveryFeeQuote = Readonly<{ fee: Dec; feeRate: string; creditedOnSuccess: Dec }>;

/**
 * The fee of a recovery: amount × feeRate, clamped to the asset's minimum and maximum, exact (no
 * rounding: amounts have at most 18 decimals and the product fits the decimal precision). Throws an
 * UnprocessableError when the fee would take the whole amount: nothing would be left to credit.
 */
export function quoteFee(amount: Dec, asset: string, rules: Pick<RecoveryRules, 'feeRate' | 'fees'>): RecoveryFeeQuote {
  const rate = new Dec(rules.feeRate);
  const limits = rules.fees[asset] ?? {};
  let fee = amount.times(rate);
  if (limits.minimum !== undefined && fee.lt(limits.minimum)) fee = new Dec(limits.minimum);
  if (limits.maximum !== undefined && fee.gt(limits.maximum)) fee = new Dec(limits.maximum);
  if (fee.gte(amount)) {
    throw new UnprocessableError(`amount ${decimalString(amount)} ${asset} is below what a recovery costs (minimum fee ${decimalString(fee)} ${asset})`, {
      amount: decimalString(amount),
      asset,
      minimumFee: decimalString(fee),
    });
  }
  return { fee, feeRate: decimalString(rate), creditedOnSuccess: amount.minus(fee) };
}
