import { runAuditBench } from './audit.bench';
import { runClassifierBench } from './classifier.bench';
import { runDisputesBench } from './disputes.bench';
import { runEventStoreBench } from './event-store.bench';
import { runIntakeBench } from './intake.bench';
import { runKbBench } from './kb.bench';
import { runRoutingBench } from './routing.bench';
import { runSlaBench } from './sla.bench';

/** `npm run bench`: every benchmark in one run, figures on stdout. `npm run bench -- intake` runs one (intake, event-store, kb, classifier). */
async function main(): Promise<void> {
  const only = process.argv[2];
  // Intake first: its absolute figures suffer from the disk still writing back the event-store bench's
  // files, while the event-store bench compares itself with raw SQLite under the same conditions.
  if (only === undefined || only === 'intake') await runIntakeBench();
  if (only === undefined || only === 'event-store') await runEventStoreBench();
  if (only === undefined || only === 'kb') await runKbBench();
  if (only === undefined || only === 'classifier') await runClassifierBench();
  if (only === undefined || only === 'sla') await runSlaBench();
  if (only === undefined || only === 'routing') await runRoutingBench();
  if (only === undefined || only === 'disputes') await runDisputesBench();
  if (only === undefined || only === 'audit') await runAuditBench();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
