import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { AuditAccessLog, AuditTrailService } from '@ticketing/audit-feature';
import { verifyEvidenceBundleText } from '@ticketing/evidence-bundle';
import { isUuid, systemActor } from '@ticketing/kernel';
import { loadBundleSigner, publicKeyFromPem } from '@ticketing/platform';
import { fail, printJson } from './cli-output';
import { withRuntime } from './cli-runtime';

/** The operator at the console: what they read is recorded like any auditor's read. */
const CLI_READER = systemActor('cli');

/** Runs `work` on the audit trail of the configured store; a failure is reported, exit 1. */
const withTrail = (work: (trail: AuditTrailService) => Promise<void>): Promise<void> =>
  withRuntime(async (runtime) =>
    work(new AuditTrailService(runtime.eventStore, runtime.storedEvents, runtime.privacy, runtime.clock, await loadBundleSigner(runtime.config), new AuditAccessLog(runtime.eventStore, runtime.clock))),
  ).catch((error: unknown) => fail((error as Error).message));

async function verifyFile(file: string, options: { publicKey?: string }): Promise<void> {
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
  else if (result.keySource === 'embedded') process.stderr.write('Verified against the key inside the file: this proves it is intact, not who signed it. Pass --public-key to check origin.\n');
}

export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('auditors’ tools');
  const publicKeyOption = ['--public-key <file>', 'the exchange’s public key (PEM, `ticketing disputes signing-key`); without it the key in the file is used, which proves integrity but not origin'] as const;

  audit
    .command('export <ticketId>')
    .description('write a ticket’s whole history across contexts with its hashes and an Ed25519-signed manifest (as GET /v1/audit/tickets/{id}/export); the read is recorded')
    .requiredOption('--out <file>', 'where to write it (JSON)')
    .action(async (ticketId: string, options: { out: string }) => {
      if (!isUuid(ticketId)) return fail(`"${ticketId}" is not a ticket id (a UUID)`, 2);
      await withTrail(async (trail) => {
        const bundle = await trail.export(ticketId, CLI_READER, 'cli');
        await writeFile(options.out, `${JSON.stringify(bundle, null, 2)}\n`);
        printJson({ ticketId, out: options.out, streams: bundle.streams.map((stream) => ({ streamName: stream.streamName, events: stream.events.length })), keyId: bundle.signature.keyId });
      });
    });

  audit
    .command('diff <ticketId>')
    .description('what changed in a ticket between two moments (ISO times or global positions), by whom and why (JSON); the read is recorded')
    .requiredOption('--at <moment...>', 'the two moments: --at T1 --at T2')
    .action(async (ticketId: string, options: { at: string[] }) => {
      if (!isUuid(ticketId)) return fail(`"${ticketId}" is not a ticket id (a UUID)`, 2);
      if (options.at.length !== 2) return fail('give exactly two moments: --at T1 --at T2', 2);
      await withTrail(async (trail) => printJson(await trail.diff(ticketId, options.at[0], options.at[1], CLI_READER, 'cli')));
    });

  audit
    .command('verify <file>')
    .description('verify an audit export offline: signature, every event chain, every item’s hash; names the first thing that does not match (exit 1)')
    .option(...publicKeyOption)
    .action(verifyFile);

  audit
    .command('verify-bundle <file>')
    .description('verify a dispute’s evidence bundle offline (the same format and checks as `audit verify`)')
    .option(...publicKeyOption)
    .action(verifyFile);
}
