import type { Command } from 'commander';
import { CONTEXT_PROJECTIONS } from '../contexts';
import { printJson } from './cli-output';
import { withRuntime } from './cli-runtime';

export function registerProjectionCommands(program: Command): void {
  const projections = program.command('projections').description('read models kept from the event store');

  projections
    .command('status')
    .description('checkpoint, lag and state of every projection (JSON)')
    .action(async () => printJson(await withRuntime((runtime) => runtime.projections.status(), CONTEXT_PROJECTIONS)));

  projections
    .command('rebuild')
    .description('drop a projection (default: all) and replay it from the event store')
    .argument('[name]', `one of: ${CONTEXT_PROJECTIONS.map((projection) => projection.name).join(', ')}`)
    .action(async (name: string | undefined) => {
      const statuses = await withRuntime(async (runtime) => {
        await runtime.projections.rebuild(name);
        const all = await runtime.projections.status();
        return all.filter((status) => name === undefined || status.name === name);
      }, CONTEXT_PROJECTIONS);
      printJson(statuses);
    });
}
