import { runEventStoreBench } from './event-store.bench';
import { runIntakeBench } from './intake.bench';

/** `npm run bench`: every benchmark in one run, figures on stdout. `npm run bench -- intake` runs one. */
async function main(): Promise<void> {
  const only = process.argv[2];
  if (only === undefined || only === 'event-store') await runEventStoreBench();
  if (only === undefined || only === 'intake') await runIntakeBench();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
