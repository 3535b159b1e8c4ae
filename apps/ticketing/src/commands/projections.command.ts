import type { Command } from 'commander';
import { assertConfigOrExit } from '@ticketing/platform';
import { TicketingRuntime } from '@ticketing/runtime';
import { CONTEXT_PROJECTIONS } from '../contexts';
import { printJson } from './cli-output';

async function withRuntime<T>(work: (runtime: TicketingRuntime) => Promise<T>): Promise<T> {
  const runtime = await TicketingRuntime.open({ config: assertConfigOrExit(), projections: CONTEXT_PROJECTIONS });
  try {
    return await work(runtime);
  } finally {
    await runtime.close();
  }
}

export function registerProjectionCommands(program: Command): void {
  const projections = program.command('projections').description('read models kept from the event store');

  projections
    .command('status')
    .description('checkpoint, lag and state of every projection (JSON)')
    .action(async () => printJson(await withRuntime((runtime) => runtime.projections.status())));

  projections
    .command('rebuild')
    .description('drop a projection (default: all) and replay it from the event store')
    .argument('[name]', `one of: ${CONTEXT_PROJECTIONS.map((projection) => projection.name).join(', ')}`)
    .action(async (name: string | undefined) => {
      const statuses = await withRuntime(async (runtime) => {
        await runtime.projections.rebuild(name);
        const all = await runtime.projections.status();
        return all.filter((status) => name === undefined || status.name === name);
      });
      printJson(statuses);
    });
}
