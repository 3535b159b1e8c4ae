import type { Command } from 'commander';
import { CustomerErasureService } from '@ticketing/audit-feature';
import { systemActor } from '@ticketing/kernel';
import { fail, printJson } from './cli-output';
import { withRuntime } from './cli-runtime';

/** The operator at the console, as the erasure records its author. */
const CLI_OPERATOR = systemActor('cli');

const withErasure = (work: (erasure: CustomerErasureService) => Promise<void>): Promise<void> =>
  withRuntime((runtime) => work(new CustomerErasureService(runtime.eventStore, runtime.privacy, runtime.clock))).catch((error: unknown) => fail((error as Error).message));

export function registerPrivacyCommands(program: Command): void {
  const privacy = program.command('privacy').description('customers’ personal data (crypto-shredding)');

  privacy
    .command('erase <customerId>')
    .description(
      'destroy every key the customer’s personal data was sealed under: it reads [erased] everywhere while every hash chain still verifies; running services rebuild their read models (a stopped one at its next start). Irreversible (JSON)',
    )
    .option('--reason <text>', 'why, e.g. the request reference; recorded with the erasure')
    .action(async (customerId: string, options: { reason?: string }) => {
      await withErasure(async (erasure) => printJson(await erasure.erase(customerId, CLI_OPERATOR, { reason: options.reason, via: 'cli' })));
    });

  privacy
    .command('status <customerId>')
    .description('the keys the customer’s personal data was sealed under, live or destroyed (JSON)')
    .action(async (customerId: string) => {
      await withErasure(async (erasure) => printJson(await erasure.status(customerId)));
    });
}
