import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { isUuid, systemActor } from '@ticketing/kernel';
import { exportEvidenceBundle } from '@ticketing/disputes-feature';
import { assertConfigOrExit, loadBundleSigner } from '@ticketing/platform';
import { fail, printJson } from './cli-output';
import { withRuntime } from './cli-runtime';

/** Exports are made by the operator at the console, not by a person with a token. */
const CLI_ACTOR = systemActor('cli');


export function registerDisputesCommands(program: Command): void {
  const disputes = program.command('disputes').description('dispute evidence');

  disputes
    .command('export <ticketId>')
    .description('write the signed evidence bundle of a ticket’s dispute and recovery (items, event chains with hashes, Ed25519-signed manifest)')
    .requiredOption('--out <file>', 'where to write the bundle (JSON)')
    .action(async (ticketId: string, options: { out: string }) => {
      if (!isUuid(ticketId)) return fail(`"${ticketId}" is not a ticket id (a UUID)`, 2);
      await withRuntime(async (runtime) => {
        const bundle = await exportEvidenceBundle(runtime.storedEvents, runtime.privacy, await loadBundleSigner(runtime.config), { ticketId, exportedBy: CLI_ACTOR, exportedAt: runtime.clock.now().toISOString() });
        await writeFile(options.out, `${JSON.stringify(bundle, null, 2)}\n`);
        printJson({ ticketId, out: options.out, items: bundle.items.length, streams: bundle.streams.map((stream) => ({ streamName: stream.streamName, events: stream.events.length })), keyId: bundle.signature.keyId });
      }).catch((error: unknown) => fail((error as Error).message));
    });

  disputes
    .command('signing-key')
    .description('print the public key (SPKI PEM) evidence bundles are signed with: give it to whoever verifies them')
    .action(async () => {
      const signer = await loadBundleSigner(assertConfigOrExit());
      process.stdout.write(signer.publicKeyPem.endsWith('\n') ? signer.publicKeyPem : `${signer.publicKeyPem}\n`);
    });
}
