import { Duration } from 'luxon';
import {
  ALWAYS_OPEN_CALENDAR,
  CATEGORIES,
  CHANNELS,
  LANGUAGES,
  PRIORITIES,
  SLA_TARGETS,
  type SlaCalendarSpec,
  type SlaPolicyDocument,
  type SlaRule,
  type SlaRuleMatch,
  type SlaTarget,
  type SlaTicketFacts,
} from '@ticketing/contracts';
import { ValidationError } from '@ticketing/kernel';
import { ALWAYS_OPEN, calendarProblems, compileCalendar, type SlaCalendar } from './calendar/sla-calendar';

/** The longest target a policy may set: anything longer is a typo, not a promise. */
export const MAX_TARGET_DAYS = 366;
const MAX_RULES = 200;
const MATCH_VALUES: Readonly<Record<keyof SlaRuleMatch, readonly string[] | null>> = {
  channel: CHANNELS,
  priority: PRIORITIES,
  category: CATEGORIES,
  language: LANGUAGES,
  tier: null,
};

/**
 * The policy a fresh installation runs (version 0, in force since the epoch), from the operation's
 * numbers (docs/architecture.md §1). For each target the first matching rule that sets it wins,
 * so the specific rules come first and `all-channels` catches the rest.
 */
export const DEFAULT_SLA_POLICY: SlaPolicyDocument = {
  rules: [
    { name: 'public-social-complaint', match: { channel: 'social' }, targets: { firstResponse: 'PT1H', nextResponse: 'PT1H' } },
    { name: 'asset-security-emergency', match: { priority: 'emergency' }, targets: { processingStart: 'PT2H', resolution: 'PT24H' } },
    { name: 'live-chat', match: { channel: 'chat' }, targets: { firstResponse: 'PT5M', nextResponse: 'PT5M' } },
    { name: 'high-priority', match: { priority: 'high' }, targets: { resolution: 'PT48H' } },
    { name: 'normal-priority', match: { priority: 'normal' }, targets: { resolution: 'PT72H' } },
    { name: 'low-priority', match: { priority: 'low' }, targets: { resolution: 'PT168H' } },
    { name: 'all-channels', match: {}, targets: { firstResponse: 'PT8M', nextResponse: 'PT4H', resolution: 'PT72H' } },
  ],
  calendars: {},
};

/** One target as a policy sets it for a ticket. */
export type ResolvedTarget = Readonly<{ target: SlaTarget; rule: string; duration: string; durationMs: number; calendar: string }>;

/** A policy version ready to match tickets. */
export type CompiledPolicy = Readonly<{
  version: number;
  effectiveFrom: string;
  document: SlaPolicyDocument;
  targetsFor(facts: SlaTicketFacts): readonly ResolvedTarget[];
  calendar(name: string): SlaCalendar;
}>;

/** A duration's milliseconds, or a sentence saying what is wrong with it. */
export function parseTargetDuration(text: unknown): { ms: number; iso: string } | { problem: string } {
  if (typeof text !== 'string' || text.length === 0 || text.length > 40) return { problem: 'is not an ISO 8601 duration such as PT5M' };
  const duration = Duration.fromISO(text);
  if (!duration.isValid) return { problem: `"${text}" is not an ISO 8601 duration such as PT5M` };
  // Months and years have no fixed length: a promise must mean the same in February and in July.
  if (duration.years !== 0 || duration.months !== 0 || duration.quarters !== 0) return { problem: `"${text}" uses months or years, which have no fixed length: use days (P30D)` };
  const ms = duration.as('milliseconds');
  if (!Number.isFinite(ms) || ms <= 0) return { problem: `"${text}" must be longer than zero` };
  if (ms < 1000) return { problem: `"${text}" is shorter than a second` };
  if (ms > MAX_TARGET_DAYS * 86_400_000) return { problem: `"${text}" is longer than ${MAX_TARGET_DAYS} days` };
  return { ms, iso: text };
}

const valuesOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

function matches(match: SlaRuleMatch, facts: SlaTicketFacts): boolean {
  for (const key of Object.keys(match) as (keyof SlaRuleMatch)[]) {
    const wanted = match[key];
    if (wanted === undefined) continue;
    const actual = facts[key];
    if (actual === null || !valuesOf(wanted).includes(actual)) return false;
  }
  return true;
}

/** Whether every ticket `later` matches is matched by `earlier` too. */
function covers(earlier: SlaRuleMatch, later: SlaRuleMatch): boolean {
  return (Object.keys(earlier) as (keyof SlaRuleMatch)[]).every((key) => {
    if (earlier[key] === undefined) return true;
    if (later[key] === undefined) return false;
    const allowed = valuesOf(earlier[key]);
    return valuesOf(later[key]).every((value) => allowed.includes(value));
  });
}

/**
 * Every problem of a policy document, each naming its rule: unknown match fields or values, bad
 * or absurd durations, unknown calendars, invalid calendars, and rules that can never set any
 * target because earlier rules matching all their tickets set every target they set.
 */
export function policyProblems(document: unknown): string[] {
  if (typeof document !== 'object' || document === null) return ['the policy must be an object with "rules"'];
  const { rules, calendars } = document as { rules?: unknown; calendars?: unknown };
  const problems: string[] = [];
  const calendarNames = new Set<string>([ALWAYS_OPEN_CALENDAR]);
  if (calendars !== undefined) {
    if (typeof calendars !== 'object' || calendars === null || Array.isArray(calendars)) problems.push('"calendars" must be an object of named calendars');
    else {
      for (const [name, spec] of Object.entries(calendars)) {
        if (name === ALWAYS_OPEN_CALENDAR) problems.push(`calendar "${name}" is built in and cannot be redefined`);
        else if (!/^[A-Za-z0-9][A-Za-z0-9 _./-]{0,63}$/.test(name)) problems.push(`calendar name "${name.slice(0, 70)}" must be 1–64 letters, digits, space, _ . / -`);
        else if (typeof spec !== 'object' || spec === null) problems.push(`calendar "${name}" must be an object`);
        else problems.push(...calendarProblems(name, spec as SlaCalendarSpec));
        calendarNames.add(name);
      }
    }
  }
  if (!Array.isArray(rules) || rules.length === 0) return [...problems, '"rules" must be a non-empty list'];
  if (rules.length > MAX_RULES) return [...problems, `"rules" has ${rules.length} rules; at most ${MAX_RULES}`];
  const names = new Set<string>();
  const valid: SlaRule[] = [];
  rules.forEach((rule: unknown, index) => {
    const label = `rule ${index + 1}`;
    if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) return void problems.push(`${label} must be an object`);
    const { name, match, targets, calendar, ...rest } = rule as Record<string, unknown>;
    const ruleProblems: string[] = [];
    const named = typeof name === 'string' && name.trim().length > 0 && name.length <= 100 ? `rule "${name}"` : label;
    if (named === label) ruleProblems.push(`${label} needs a "name" (1–100 characters)`);
    else if (names.has(name as string)) ruleProblems.push(`${named} is named twice`);
    names.add(name as string);
    for (const key of Object.keys(rest)) ruleProblems.push(`${named} has an unknown field "${key}"`);
    if (typeof match !== 'object' || match === null || Array.isArray(match)) ruleProblems.push(`${named} needs a "match" object ({} matches every ticket)`);
    else {
      for (const [key, value] of Object.entries(match)) {
        if (!(key in MATCH_VALUES)) {
          ruleProblems.push(`${named} matches on unknown field "${key}" (known: ${Object.keys(MATCH_VALUES).join(', ')})`);
          continue;
        }
        const allowed = MATCH_VALUES[key as keyof SlaRuleMatch];
        const values = valuesOf(value);
        if (values.length === 0 || values.length > 50) ruleProblems.push(`${named}: match.${key} must be a value or a list of 1–50 values`);
        for (const one of values) {
          if (typeof one !== 'string' || one.length === 0 || one.length > 64) ruleProblems.push(`${named}: match.${key} values must be strings of 1–64 characters`);
          else if (allowed !== null && !allowed.includes(one)) ruleProblems.push(`${named}: match.${key} "${one}" is not one of ${allowed.join(', ')}`);
        }
      }
    }
    if (typeof targets !== 'object' || targets === null || Array.isArray(targets) || Object.keys(targets).length === 0) {
      ruleProblems.push(`${named} needs "targets" with at least one of ${SLA_TARGETS.join(', ')}`);
    } else {
      for (const [target, duration] of Object.entries(targets)) {
        if (!(SLA_TARGETS as readonly string[]).includes(target)) ruleProblems.push(`${named} has an unknown target "${target}" (known: ${SLA_TARGETS.join(', ')})`);
        const parsed = parseTargetDuration(duration);
        if ('problem' in parsed) ruleProblems.push(`${named}: targets.${target} ${parsed.problem}`);
      }
    }
    if (calendar !== undefined && (typeof calendar !== 'string' || !calendarNames.has(calendar))) {
      ruleProblems.push(`${named} uses calendar ${JSON.stringify(calendar)}, which the policy does not define (defined: ${[...calendarNames].join(', ')})`);
    }
    problems.push(...ruleProblems);
    if (ruleProblems.length === 0) valid.push(rule as SlaRule);
  });
  problems.push(...shadowedRules(valid));
  return problems;
}

function shadowedRules(rules: readonly SlaRule[]): string[] {
  const problems: string[] = [];
  rules.forEach((rule, index) => {
    const earlier = rules.slice(0, index).filter((candidate) => covers(candidate.match, rule.match));
    const unreachable = Object.keys(rule.targets).every((target) => earlier.some((candidate) => target in candidate.targets));
    if (earlier.length > 0 && unreachable) {
      problems.push(`rule "${rule.name}" can never apply: ${earlier.map((candidate) => `"${candidate.name}"`).join(', ')} before it match all its tickets and set all its targets`);
    }
  });
  return problems;
}

/** Compiles a valid document (see policyProblems) into a policy version; throws ValidationError listing the problems otherwise. */
export function compilePolicy(version: number, effectiveFrom: string, document: SlaPolicyDocument): CompiledPolicy {
  const problems = policyProblems(document);
  if (problems.length > 0) throw new ValidationError(`Invalid SLA policy: ${problems.join('; ')}`, problems.map((message) => ({ field: 'policy', message })));
  const calendars = new Map<string, SlaCalendar>([[ALWAYS_OPEN_CALENDAR, ALWAYS_OPEN]]);
  for (const [name, spec] of Object.entries(document.calendars ?? {})) calendars.set(name, compileCalendar(name, spec));
  const rules = document.rules.map((rule) => ({
    rule,
    targets: Object.entries(rule.targets).map(([target, duration]) => ({
      target: target as SlaTarget,
      rule: rule.name,
      duration: duration as string,
      durationMs: (parseTargetDuration(duration) as { ms: number }).ms,
      calendar: rule.calendar ?? ALWAYS_OPEN_CALENDAR,
    })),
  }));
  return {
    version,
    effectiveFrom,
    document,
    targetsFor(facts) {
      const chosen = new Map<SlaTarget, ResolvedTarget>();
      for (const { rule, targets } of rules) {
        if (!matches(rule.match, facts)) continue;
        for (const target of targets) if (!chosen.has(target.target)) chosen.set(target.target, target);
      }
      return SLA_TARGETS.flatMap((target) => (chosen.has(target) ? [chosen.get(target)!] : []));
    },
    calendar(name) {
      const calendar = calendars.get(name);
      if (calendar === undefined) throw new ValidationError(`SLA policy version ${version} has no calendar "${name}"`);
      return calendar;
    },
  };
}

/** The default policy, version 0. */
export const DEFAULT_COMPILED_POLICY: CompiledPolicy = compilePolicy(0, '1970-01-01T00:00:00.000Z', DEFAULT_SLA_POLICY);

/** Every version of the policy, oldest first; `at(time)` is the version in force then. */
export class SlaPolicyHistory {
  constructor(readonly versions: readonly CompiledPolicy[] = [DEFAULT_COMPILED_POLICY]) {
    if (versions.length === 0) throw new Error('A policy history has at least the default version');
  }

  /** The latest version whose effectiveFrom is at or before `at` (by version order: a later version wins a tie). */
  at(at: string): CompiledPolicy {
    const time = Date.parse(at);
    let chosen = this.versions[0]!;
    for (const version of this.versions) if (Date.parse(version.effectiveFrom) <= time) chosen = version;
    return chosen;
  }

  get current(): CompiledPolicy {
    return this.versions[this.versions.length - 1]!;
  }

  with(version: CompiledPolicy): SlaPolicyHistory {
    return new SlaPolicyHistory([...this.versions, version]);
  }
}
