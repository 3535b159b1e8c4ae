import { runEventStoreBench } from './event-store.bench';

/** `npm run bench`: every benchmark in one run, figures on stdout. */
async function main(): Promise<void> {
  await runEventStoreBench();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
