import { readFileSync } from 'node:fs';
import Decimal from 'decimal.js';
import { CATEGORIES, CHANNELS, PRIORITIES, type Category } from '@ticketing/contracts';
import { DEFAULT_ROUTING_RULES, type QueueRule, type RoutingRules } from '@ticketing/routing-domain';

export const ROUTING_RULES = Symbol('RoutingRules');

type Env = Readonly<Record<string, string | undefined>>;

const fail = (variable: string, message: string): never => {
  throw new Error(`Invalid configuration: ${variable} ${message}`);
};

const oneOf = <T extends string>(variable: string, allowed: readonly T[], value: unknown, where: string): T =>
  typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : fail(variable, `${where}: ${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);

function parseRulesFile(variable: string, path: string, base: RoutingRules): RoutingRules {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    return fail(variable, `cannot read ${path} as JSON (${(error as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail(variable, `${path} must hold a JSON object`);
  const file = raw as Record<string, unknown>;
  const byCategory = { ...base.priority.byCategory };
  for (const [category, priority] of Object.entries((file.priorities as Record<string, unknown> | undefined) ?? {})) {
    byCategory[oneOf(variable, CATEGORIES, category, 'priorities')] = oneOf(variable, PRIORITIES, priority, `priorities.${category}`);
  }
  const categoryGroups = { ...base.categoryGroups };
  for (const [category, group] of Object.entries((file.categoryGroups as Record<string, unknown> | undefined) ?? {})) {
    if (typeof group !== 'string' || !/^[a-z0-9-]{1,40}$/.test(group)) fail(variable, `categoryGroups.${category} must be a lower-case name`);
    categoryGroups[oneOf(variable, CATEGORIES, category, 'categoryGroups')] = group as string;
  }
  const queues = file.queues === undefined ? base.queues : parseQueues(variable, file.queues);
  const publicSocialAtLeast = file.publicSocialAtLeast === undefined ? base.priority.publicSocialAtLeast : oneOf(variable, PRIORITIES, file.publicSocialAtLeast, 'publicSocialAtLeast');
  return { ...base, categoryGroups, queues, priority: { ...base.priority, byCategory, publicSocialAtLeast } };
}

function parseQueues(variable: string, value: unknown): readonly QueueRule[] {
  if (!Array.isArray(value) || value.length === 0) return fail(variable, 'queues must be a non-empty array of rules');
  const rules = value.map((entry: unknown, index): QueueRule => {
    const rule = entry as Record<string, unknown>;
    const where = `queues[${index}]`;
    if (typeof rule?.name !== 'string' || typeof rule.queue !== 'string' || !/^[a-z0-9{}-]{1,64}$/.test(rule.queue)) {
      fail(variable, `${where} needs a name and a queue (lower-case, digits, dashes, {group} and {language})`);
    }
    const when = (rule.when ?? {}) as Record<string, unknown>;
    const list = <T extends string>(key: string, allowed: readonly T[]): T[] | undefined =>
      when[key] === undefined ? undefined : Array.isArray(when[key]) ? (when[key] as unknown[]).map((item) => oneOf(variable, allowed, item, `${where}.when.${key}`)) : fail(variable, `${where}.when.${key} must be an array`);
    return {
      name: rule.name as string,
      queue: rule.queue as string,
      when: {
        priorities: list('priorities', PRIORITIES),
        categories: list('categories', CATEGORIES as readonly Category[]),
        channels: list('channels', CHANNELS),
        lowConfidence: typeof when.lowConfidence === 'boolean' ? when.lowConfidence : undefined,
      },
    };
  });
  // The last rule is the fallback every ticket reaches: without it a ticket could match nothing.
  const last = rules[rules.length - 1].when;
  if (last.priorities || last.categories || last.channels || last.lowConfidence !== undefined) fail(variable, 'the last queue rule must have no conditions (the fallback)');
  return rules;
}

/**
 * Routing's part of the configuration, validated at start-up like every TICKETING_* variable:
 * - TICKETING_CLASSIFIER_MIN_CONFIDENCE (0–1): below it a ticket goes to `triage`;
 * - TICKETING_PRIORITY_ASSET_THRESHOLDS (`USDT=10000,BTC=0.15`): replaces the per-asset amounts above which priority steps up;
 * - TICKETING_ROUTING_RULES_FILE: a JSON file with any of `priorities`, `publicSocialAtLeast`, `categoryGroups`, `queues`.
 */
export function routingRulesFromEnv(env: Env = process.env): RoutingRules {
  let rules = DEFAULT_ROUTING_RULES;
  const file = env.TICKETING_ROUTING_RULES_FILE;
  if (file) rules = parseRulesFile('TICKETING_ROUTING_RULES_FILE', file, rules);
  const minConfidence = env.TICKETING_CLASSIFIER_MIN_CONFIDENCE;
  if (minConfidence !== undefined && minConfidence !== '') {
    const value = Number(minConfidence);
    if (!/^(0(\.\d+)?|1(\.0+)?)$/.test(minConfidence.trim()) || !Number.isFinite(value)) fail('TICKETING_CLASSIFIER_MIN_CONFIDENCE', `must be a number from 0 to 1, got ${JSON.stringify(minConfidence)}`);
    rules = { ...rules, minConfidence: value };
  }
  const thresholds = env.TICKETING_PRIORITY_ASSET_THRESHOLDS;
  if (thresholds !== undefined && thresholds !== '') {
    const parsed: Record<string, string> = {};
    for (const pair of thresholds.split(',')) {
      const match = /^\s*([A-Za-z0-9]{1,20})\s*=\s*([0-9]+(?:\.[0-9]+)?)\s*$/.exec(pair);
      if (!match || new Decimal(match[2]).isZero()) fail('TICKETING_PRIORITY_ASSET_THRESHOLDS', `must be ASSET=AMOUNT pairs separated by commas (e.g. USDT=10000,BTC=0.15), got ${JSON.stringify(pair)}`);
      parsed[match![1].toUpperCase()] = match![2];
    }
    rules = { ...rules, priority: { ...rules.priority, assetAmountThresholds: parsed } };
  }
  return rules;
}
