import type { SlaPolicyChanged, SlaPolicyDocument } from '@ticketing/contracts';
import { ValidationError, type Command, type Decider } from '@ticketing/kernel';
import { policyProblems } from './sla-policy';

/** How far in the past an effective-from may lie (clock skew between caller and server), not a way to rewrite history: what-if does that. */
export const EFFECTIVE_FROM_SKEW_MS = 60_000;
export const SLA_POLICY_SCHEMA_VERSION = 1;

export type SlaPolicyStreamState = Readonly<{ version: number; effectiveFrom: string | null }>;

export type ChangeSlaPolicy = Command<'ChangeSlaPolicy', { document: SlaPolicyDocument; effectiveFrom: string | null; by: string; now: string }>;

/** The `sla-policy` stream: each change is a new version; versions are never edited. */
export const slaPolicyDecider: Decider<SlaPolicyStreamState, ChangeSlaPolicy, SlaPolicyChanged> = {
  initialState: () => ({ version: 0, effectiveFrom: null }),
  evolve: (_state, event) => ({ version: event.data.version, effectiveFrom: event.data.effectiveFrom }),
  decide(command, state) {
    const { document, by, now } = command.data;
    const problems = policyProblems(document);
    const effectiveFrom = command.data.effectiveFrom ?? now;
    const effective = Date.parse(effectiveFrom);
    if (Number.isNaN(effective) || !/^\d{4}-\d{2}-\d{2}T/.test(effectiveFrom)) problems.push(`effectiveFrom "${effectiveFrom}" is not an ISO 8601 date-time`);
    else if (effective < Date.parse(now) - EFFECTIVE_FROM_SKEW_MS) {
      problems.push(`effectiveFrom ${effectiveFrom} is in the past: a policy applies from now on (POST /v1/sla/what-if evaluates history under a candidate)`);
    } else if (state.effectiveFrom !== null && effective < Date.parse(state.effectiveFrom)) {
      problems.push(`effectiveFrom ${effectiveFrom} is before version ${state.version}'s (${state.effectiveFrom}): versions take effect in order`);
    }
    if (problems.length > 0) throw new ValidationError(`Invalid SLA policy: ${problems.join('; ')}`, problems.map((message) => ({ field: 'policy', message })));
    return {
      type: 'SlaPolicyChanged',
      schemaVersion: SLA_POLICY_SCHEMA_VERSION,
      data: {
        version: state.version + 1,
        effectiveFrom: new Date(effective).toISOString(),
        rules: document.rules,
        calendars: document.calendars ?? {},
        changedBy: by,
        changedAt: now,
      },
    };
  },
};
