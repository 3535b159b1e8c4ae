'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a plain CommonJS script run by `node` in a child process */
// Follows the log with the sample projection and dies by SIGKILL inside `apply` of one event, in the
// middle of a batch transaction: what a power cut or OOM kill does to a running server.
// Prints `apply <position> <batch>` (synchronously, before the kill) for every event it applies.
// Usage: node crash-mid-batch.child.js <events db> <read store url> <crash at position>
require('../../../../testing/src/child/register-ts');
const fs = require('node:fs');
const { SqliteEventStore } = require('@ticketing/event-store');
const { openReadStore, ProjectionRunner } = require('../../index.ts');
const { streamCountsProjection } = require('../stream-counts.projection.ts');

const [eventsPath, readUrl, crashAt] = process.argv.slice(2);

async function main() {
  const eventStore = new SqliteEventStore({ path: eventsPath });
  const readStore = await openReadStore(readUrl);
  const batches = new Map();
  const projection = streamCountsProjection({
    beforeApply: (event, trx) => {
      if (!batches.has(trx)) batches.set(trx, batches.size + 1);
      fs.writeSync(1, `apply ${event.globalPosition} ${batches.get(trx)}\n`);
      if (event.globalPosition === Number(crashAt)) process.kill(process.pid, 'SIGKILL');
    },
  });
  const runner = new ProjectionRunner({ readStore, eventStore, projections: [projection] });
  await runner.start();
}

main().catch((error) => {
  process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
