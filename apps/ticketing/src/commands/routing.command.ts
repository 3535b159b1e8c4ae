import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import type { AgentProfile } from '@ticketing/contracts';
import { agentProfileProblems } from '@ticketing/routing-domain';
import { readRecordedHistory, rehearse, routingRulesFromEnv, type RehearsalAgent } from '@ticketing/routing-feature';
import { printJson } from './cli-output';
import { withRuntime } from './cli-runtime';

const instant = (name: string) => (value: string): string => {
  const parsed = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(parsed)) throw new InvalidArgumentError(`${name} must be an ISO 8601 date or date-time, e.g. 2021-05-19T00:00:00Z`);
  return new Date(parsed).toISOString();
};

const minutes = (name: string) => (value: string): number => {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0 || parsed > 10_080) throw new InvalidArgumentError(`${name} must be a number of minutes from 0 to 10080`);
  return parsed;
};

/** A staffing file: a JSON list of agents, each `{agentId, displayName, languages, skills, clearances, capacity, timeZone?, shifts?}`. */
async function readStaffing(path: string): Promise<RehearsalAgent[]> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new Error(`Cannot read ${path} as JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(raw) || raw.length === 0) throw new Error(`${path} must hold a non-empty JSON list of agents`);
  return raw.map((entry: unknown, index) => {
    const { agentId, timeZone, shifts, ...rest } = (entry ?? {}) as Record<string, unknown>;
    const profile = { ...rest, timeZone: timeZone ?? null, shifts: shifts ?? [] } as unknown as AgentProfile;
    const problems = [
      ...(typeof agentId === 'string' && /^[A-Za-z0-9._:@-]{1,128}$/.test(agentId) ? [] : [{ field: 'agentId', message: 'must be 1–128 letters, digits or ._:@-' }]),
      ...agentProfileProblems(profile),
    ];
    if (problems.length > 0) throw new Error(`${path}: agent ${index + 1}: ${problems.map((problem) => `${problem.field} ${problem.message}`).join('; ')}`);
    return { agentId: agentId as string, profile };
  });
}

export function registerRoutingCommands(program: Command): void {
  const routing = program.command('routing').description('routing to people');

  routing
    .command('rehearse')
    .description(
      'replay the tickets opened in [--from, --to) against a candidate staffing (default: today’s agents) with the dispatcher’s rules, in simulated time; ' +
        'prints queue waits, first-response times and first-response breaches beside what happened (JSON). Reads the store, writes nothing',
    )
    .requiredOption('--from <iso>', 'start of the stretch (tickets opened from then)', instant('--from'))
    .requiredOption('--to <iso>', 'end of the stretch (tickets opened before then)', instant('--to'))
    .option('--agents <file>', 'candidate staffing: a JSON list of agents (agentId plus the fields of PUT /v1/routing/agents/{agentId})')
    .option('--response-minutes <n>', 'assignment → first reply where history has no such time', minutes('--response-minutes'), 2)
    .option('--handle-minutes <n>', 'assignment → resolution where history has no such time', minutes('--handle-minutes'), 15)
    .action(async (options: { from: string; to: string; agents?: string; responseMinutes: number; handleMinutes: number }) => {
      if (options.from >= options.to) {
        process.stderr.write('--from must be before --to\n');
        process.exitCode = 2;
        return;
      }
      let staffing: RehearsalAgent[] | undefined;
      try {
        staffing = options.agents === undefined ? undefined : await readStaffing(options.agents);
      } catch (error) {
        process.stderr.write(`${(error as Error).message}\n`);
        process.exitCode = 2;
        return;
      }
      await withRuntime(async (runtime) => {
        const history = await readRecordedHistory(runtime.eventStore, options.from, options.to);
        const agents = staffing ?? history.agents;
        const report = rehearse(history.tickets, agents, {
          rules: routingRulesFromEnv().dispatch,
          defaultResponseMs: options.responseMinutes * 60_000,
          defaultHandleMs: options.handleMinutes * 60_000,
        });
        printJson({ from: options.from, to: options.to, staffing: staffing === undefined ? 'today’s agents' : options.agents, ...report });
      });
    });
}
