import Decimal from 'decimal.js';
import { PRIORITIES, type Category, type Channel, type Language, type Priority } from '@ticketing/contracts';
import { DEFAULT_DISPATCH_RULES, type DispatchRules } from './dispatch-rules';

/** How a category, the channel and the ticket's signals set its priority; every number configurable. */
export type PriorityRules = Readonly<{
  byCategory: Readonly<Record<Category, Priority>>;
  /** A complaint posted publicly (social channel) is at least this. */
  publicSocialAtLeast: Priority;
  /**
   * Per asset (upper-case symbol): an amount above it raises the priority one step. Amounts are
   * decimal strings in the asset's own unit, compared exactly.
   */
  assetAmountThresholds: Readonly<Record<string, string>>;
}>;

/** A queue rule: the first whose conditions all hold places the ticket. */
export type QueueRule = Readonly<{
  name: string;
  when: Readonly<{
    priorities?: readonly Priority[];
    categories?: readonly Category[];
    channels?: readonly Channel[];
    /** Holds when the classifier's confidence is below `minConfidence`. */
    lowConfidence?: boolean;
  }>;
  /** The queue; `{group}` and `{language}` are replaced by the category's group and the ticket's language. */
  queue: string;
}>;

export type RoutingRules = Readonly<{
  priority: PriorityRules;
  /** Below it a classification goes to people (`triage`) instead of a category queue. */
  minConfidence: number;
  /** Category → the desk that works it (`funds`, `trading`, …), staffed per language. */
  categoryGroups: Readonly<Record<Category, string>>;
  queues: readonly QueueRule[];
  /** How queued tickets reach agents. */
  dispatch: DispatchRules;
}>;

/** Defaults of docs/architecture.md §1: security and withdrawal problems are emergencies. */
export const DEFAULT_ROUTING_RULES: RoutingRules = {
  priority: {
    byCategory: {
      account_access: 'high',
      security_incident: 'emergency',
      withdrawal_issue: 'emergency',
      deposit_missing: 'high',
      wrong_network_deposit: 'high',
      kyc_verification: 'normal',
      liquidation_dispute: 'high',
      trading_issue: 'normal',
      api_support: 'normal',
      fake_token_scam: 'high',
      general_inquiry: 'normal',
    },
    publicSocialAtLeast: 'high',
    assetAmountThresholds: { USDT: '10000', USDC: '10000', BUSD: '10000', DAI: '10000', FDUSD: '10000', BTC: '0.15', ETH: '4', BNB: '20', SOL: '70', XRP: '5000', TRX: '40000' },
  },
  // Chosen from `npm run eval:classifier`: the held-out precision above it is printed there.
  minConfidence: 0.35,
  categoryGroups: {
    account_access: 'account',
    kyc_verification: 'account',
    security_incident: 'security',
    fake_token_scam: 'security',
    withdrawal_issue: 'funds',
    deposit_missing: 'funds',
    wrong_network_deposit: 'funds',
    liquidation_dispute: 'trading',
    trading_issue: 'trading',
    api_support: 'api',
    general_inquiry: 'general',
  },
  queues: [
    // Every emergency in any language goes to one lane staffed around the clock with security clearance.
    { name: 'emergency-lane', when: { priorities: ['emergency'] }, queue: 'security-emergency' },
    { name: 'low-confidence-triage', when: { lowConfidence: true }, queue: 'triage' },
    { name: 'public-complaint', when: { channels: ['social'] }, queue: 'social-escalations' },
    { name: 'category-by-language', when: {}, queue: '{group}-{language}' },
  ],
  dispatch: DEFAULT_DISPATCH_RULES,
};

/** What besides the category raises a ticket's priority, as facts found when it was classified. */
export type PrioritySignals = Readonly<{ channel: Channel; assetAmountAboveThreshold: boolean }>;

export type PriorityVerdict = Readonly<{ priority: Priority; signals: readonly string[] }>;

/** Signal names as recorded on TicketClassified, so a later recategorization re-applies them. */
export const SIGNALS = { publicSocial: 'public_social', assetAmountAboveThreshold: 'asset_amount_above_threshold' } as const;

const atLeast = (priority: Priority, floor: Priority): Priority => (PRIORITIES.indexOf(floor) > PRIORITIES.indexOf(priority) ? floor : priority);
const stepUp = (priority: Priority): Priority => PRIORITIES[Math.min(PRIORITIES.length - 1, PRIORITIES.indexOf(priority) + 1)];

/** The priority of a category for a ticket, with the signals that bear on it. */
export function decidePriority(category: Category, signals: PrioritySignals, rules: PriorityRules): PriorityVerdict {
  let priority = rules.byCategory[category];
  const found: string[] = [];
  if (signals.channel === 'social') {
    priority = atLeast(priority, rules.publicSocialAtLeast);
    found.push(SIGNALS.publicSocial);
  }
  if (signals.assetAmountAboveThreshold) {
    priority = stepUp(priority);
    found.push(SIGNALS.assetAmountAboveThreshold);
  }
  return { priority, signals: found };
}

/** Whether the ticket's asset amount exceeds its asset's configured threshold (exact decimal comparison). */
export function isAssetAmountAboveThreshold(asset: string | undefined, amount: string | undefined, thresholds: PriorityRules['assetAmountThresholds']): boolean {
  if (asset === undefined || amount === undefined) return false;
  const threshold = thresholds[asset.trim().toUpperCase()];
  if (threshold === undefined) return false;
  try {
    return new Decimal(amount.trim()).greaterThan(threshold);
  } catch {
    // Free text the customer typed is a hint, not a number: no raise.
    return false;
  }
}

export type QueueChoice = Readonly<{ queue: string; rule: string }>;

export type QueueFacts = Readonly<{ category: Category; priority: Priority; channel: Channel; language: Language; confidence: number | null }>;

/** The first rule that holds places the ticket; the last default rule always holds. */
export function chooseQueue(facts: QueueFacts, rules: RoutingRules): QueueChoice {
  const lowConfidence = facts.confidence !== null && facts.confidence < rules.minConfidence;
  for (const rule of rules.queues) {
    const { priorities, categories, channels } = rule.when;
    if (priorities && !priorities.includes(facts.priority)) continue;
    if (categories && !categories.includes(facts.category)) continue;
    if (channels && !channels.includes(facts.channel)) continue;
    if (rule.when.lowConfidence !== undefined && rule.when.lowConfidence !== lowConfidence) continue;
    const queue = rule.queue.replaceAll('{group}', rules.categoryGroups[facts.category]).replaceAll('{language}', facts.language);
    return { queue, rule: rule.name };
  }
  return { queue: 'triage', rule: 'no-rule-matched' };
}
