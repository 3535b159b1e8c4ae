import { readFileSync } from 'node:fs';
import Decimal from 'decimal.js';
import { AGENT_CLEARANCES, CATEGORIES, CHANNELS, PRIORITIES, type AgentClearance, type Category, type Channel } from '@ticketing/contracts';
import { DEFAULT_ROUTING_RULES, MAX_AGENT_CAPACITY, type DispatchRules, type QueueRule, type RoutingRules } from '@ticketing/routing-domain';

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
  const dispatch = file.dispatch === undefined ? base.dispatch : parseDispatch(variable, file.dispatch, base.dispatch);
  return { ...base, categoryGroups, queues, dispatch, priority: { ...base.priority, byCategory, publicSocialAtLeast } };
}

const QUEUE_NAME = /^[a-z0-9-]{1,64}$/;

function parseDispatch(variable: string, value: unknown, base: DispatchRules): DispatchRules {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(variable, 'dispatch must be an object');
  const dispatch = value as Record<string, unknown>;
  const supervisorQueue = dispatch.supervisorQueue === undefined ? base.supervisorQueue : dispatch.supervisorQueue;
  if (typeof supervisorQueue !== 'string' || !QUEUE_NAME.test(supervisorQueue)) fail(variable, 'dispatch.supervisorQueue must be a queue name');
  let queueClearances = base.queueClearances;
  if (dispatch.queueClearances !== undefined) {
    if (typeof dispatch.queueClearances !== 'object' || dispatch.queueClearances === null) fail(variable, 'dispatch.queueClearances must map queues to lists of clearances');
    queueClearances = Object.fromEntries(
      Object.entries(dispatch.queueClearances as Record<string, unknown>).map(([queue, clearances]) => {
        if (!QUEUE_NAME.test(queue)) fail(variable, `dispatch.queueClearances: "${queue}" is not a queue name`);
        if (!Array.isArray(clearances)) fail(variable, `dispatch.queueClearances.${queue} must be a list`);
        return [queue, (clearances as unknown[]).map((clearance) => oneOf(variable, AGENT_CLEARANCES, clearance, `dispatch.queueClearances.${queue}`) as AgentClearance)];
      }),
    );
  }
  let anySkillQueues = base.anySkillQueues;
  if (dispatch.anySkillQueues !== undefined) {
    if (!Array.isArray(dispatch.anySkillQueues) || dispatch.anySkillQueues.some((queue) => typeof queue !== 'string' || !QUEUE_NAME.test(queue))) fail(variable, 'dispatch.anySkillQueues must be a list of queue names');
    anySkillQueues = dispatch.anySkillQueues as string[];
  }
  return { ...base, supervisorQueue: supervisorQueue as string, queueClearances, anySkillQueues };
}

/** `chat=3,email=10`: the open tickets per channel an agent without its own figure holds at most. */
function parseCapacity(variable: string, value: string, base: DispatchRules['capacityDefaults']): DispatchRules['capacityDefaults'] {
  const capacity = { ...base };
  for (const pair of value.split(',')) {
    const match = /^\s*([a-z_]+)\s*=\s*(\d{1,3})\s*$/.exec(pair);
    const channel = match?.[1] as Channel | undefined;
    const count = Number(match?.[2]);
    if (!match || !(CHANNELS as readonly string[]).includes(channel!) || count < 1 || count > MAX_AGENT_CAPACITY) {
      fail(variable, `must be CHANNEL=COUNT pairs (channels ${CHANNELS.join(', ')}, counts 1–${MAX_AGENT_CAPACITY}), got ${JSON.stringify(pair)}`);
    }
    capacity[channel!] = count;
  }
  return capacity;
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
 * - TICKETING_ROUTING_RULES_FILE: a JSON file with any of `priorities`, `publicSocialAtLeast`, `categoryGroups`, `queues`,
 *   `dispatch` (`supervisorQueue`, `queueClearances`, `anySkillQueues`);
 * - TICKETING_AGENT_DEFAULT_CAPACITY (`chat=3,email=10`): open tickets per channel an agent holds without its own figure;
 * - TICKETING_AGENT_UNAVAILABLE_TICKETS: `keep`, `requeue` or `requeue:MINUTES` (default `requeue:10`): an agent away or
 *   offline keeps its tickets, or they go back to their queues after the grace period.
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
  const capacity = env.TICKETING_AGENT_DEFAULT_CAPACITY;
  if (capacity !== undefined && capacity !== '') {
    rules = { ...rules, dispatch: { ...rules.dispatch, capacityDefaults: parseCapacity('TICKETING_AGENT_DEFAULT_CAPACITY', capacity, rules.dispatch.capacityDefaults) } };
  }
  const unavailable = env.TICKETING_AGENT_UNAVAILABLE_TICKETS;
  if (unavailable !== undefined && unavailable !== '') {
    const match = /^(keep|requeue(?::(\d{1,5}))?)$/.exec(unavailable.trim());
    if (!match) fail('TICKETING_AGENT_UNAVAILABLE_TICKETS', `must be keep, requeue or requeue:MINUTES (grace period, 0–99999), got ${JSON.stringify(unavailable)}`);
    const whenUnavailable = match![1] === 'keep' ? ({ mode: 'keep' } as const) : ({ mode: 'requeue', graceMs: Number(match![2] ?? 10) * 60_000 } as const);
    rules = { ...rules, dispatch: { ...rules.dispatch, whenUnavailable } };
  }
  return rules;
}
