import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { isUuid, systemActor } from '@ticketing/kernel';
import { disputesSettingsFromEnv, exportEvidenceBundle } from '@ticketing/disputes-feature';
import { verifyEvidenceBundleText } from '@ticketing/evidence-bundle';
import { assertConfigOrExit, loadOrCreateSigningKey, loadSigningKeyFile, publicKeyFromPem, type BundleSigner, type TicketingConfig } from '@ticketing/platform';
import { TicketingRuntime } from '@ticketing/runtime';
import { printJson } from './cli-output';

/** Exports are made by the operator at the console, not by a person with a token. */
const CLI_ACTOR = systemActor('cli');

function signerFor(config: TicketingConfig): Promise<BundleSigner> {
  const { signingKeyFile } = disputesSettingsFromEnv();
  return signingKeyFile === undefined ? loadOrCreateSigningKey(config.dataDir) : loadSigningKeyFile(signingKeyFile);
}

const fail = (message: string, code = 1): void => {
  process.stderr.write(`${message}\n`);
  process.exitCode = code;
};

export function registerDisputesCommands(program: Command): void {
  const disputes = program.command('disputes').description('dispute evidence');

  disputes
    .command('export <ticketId>')
    .description('write the signed evidence bundle of a ticket’s dispute and recovery (items, event chains with hashes, Ed25519-signed manifest)')
    .requiredOption('--out <file>', 'where to write the bundle (JSON)')
    .action(async (ticketId: string, options: { out: string }) => {
      if (!isUuid(ticketId)) return fail(`"${ticketId}" is not a ticket id (a UUID)`, 2);
      const config = assertConfigOrExit();
      const runtime = await TicketingRuntime.open({ config, projections: [] });
      try {
        const { bundle } = await exportEvidenceBundle(runtime.eventStore, await signerFor(config), { ticketId, exportedBy: CLI_ACTOR, exportedAt: runtime.clock.now().toISOString() });
        await writeFile(options.out, `${JSON.stringify(bundle, null, 2)}\n`);
        printJson({ ticketId, out: options.out, items: bundle.items.length, streams: bundle.streams.map((stream) => ({ streamName: stream.streamName, events: stream.events.length })), keyId: bundle.signature.keyId });
      } catch (error) {
        fail((error as Error).message);
      } finally {
        await runtime.close();
      }
    });

  disputes
    .command('signing-key')
    .description('print the public key (SPKI PEM) evidence bundles are signed with: give it to whoever verifies them')
    .action(async () => {
      const signer = await signerFor(assertConfigOrExit());
      process.stdout.write(signer.publicKeyPem.endsWith('\n') ? signer.publicKeyPem : `${signer.publicKeyPem}\n`);
    });

  const audit = program.commands.find((command) => command.name() === 'audit') ?? program.command('audit').description('auditors’ tools');
  audit
    .command('verify-bundle <file>')
    .description('verify an evidence bundle offline: signature, every event chain, every item’s hash; names the first thing that does not match (exit 1)')
    .option('--public-key <file>', 'the exchange’s public key (PEM, `ticketing disputes signing-key`); without it the key in the bundle is used, which proves integrity but not origin')
    .action(async (file: string, options: { publicKey?: string }) => {
      let text: string;
      let publicKey;
      try {
        text = await readFile(file, 'utf8');
        publicKey = options.publicKey === undefined ? undefined : publicKeyFromPem(await readFile(options.publicKey, 'utf8'));
      } catch (error) {
        return fail((error as Error).message, 2);
      }
      const result = verifyEvidenceBundleText(text, publicKey);
      printJson(result);
      if (!result.valid) fail(`NOT VERIFIED: ${result.problem}`);
      else if (result.keySource === 'embedded') process.stderr.write('Verified against the key inside the bundle: this proves it is intact, not who signed it. Pass --public-key to check origin.\n');
    });
}
