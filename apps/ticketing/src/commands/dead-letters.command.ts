import type { Command } from 'commander';
import { assertConfigOrExit } from '@ticketing/platform';
import { bootTicketing, type BootedTicketing } from '../boot';
import { logsToStderr, printJson } from './cli-output';

async function withOperatedApp<T>(work: (booted: BootedTicketing) => Promise<T>): Promise<T> {
  const booted = await bootTicketing({ config: assertConfigOrExit(), mode: 'operate', logDestination: logsToStderr() });
  try {
    return await work(booted);
  } finally {
    await booted.app.close();
  }
}

export function registerDeadLetterCommands(program: Command): void {
  const deadLetters = program.command('dead-letters').description('events a consumer group parked after its retries ran out');

  deadLetters
    .command('list')
    .description('list parked events (JSON)')
    .option('--group <group>', 'only this consumer group')
    .option('--all', 'include events already replayed')
    .action(async (options: { group?: string; all?: boolean }) => {
      const parked = await withOperatedApp(({ runtime }) =>
        runtime.bus.listDeadLetters({ group: options.group, includeReplayed: options.all === true }),
      );
      printJson(parked);
    });

  deadLetters
    .command('replay')
    .description('deliver parked events to their handlers again; succeeded ones are marked replayed')
    .argument('[ids...]', 'dead-letter ids (default: every parked event, or every one of --group)')
    .option('--group <group>', 'only this consumer group')
    .action(async (ids: string[], options: { group?: string }) => {
      const outcomes = await withOperatedApp(({ runtime }) =>
        runtime.bus.replayDeadLetters({ group: options.group, ids: ids.length > 0 ? ids : undefined }),
      );
      printJson(outcomes);
      if (outcomes.some((outcome) => outcome.outcome === 'failed' || outcome.outcome === 'not_found')) process.exitCode = 1;
    });
}
