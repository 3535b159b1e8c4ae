'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a plain CommonJS script run by `node` in a child process */
// `ticketing projections rebuild` in its own process, paused between two replay pages so the test can
// let a running server act in the middle of it: prints `paused` and waits for a line on stdin.
// Logs (JSON lines) and the final statuses go to stdout.
// Usage: node rebuild-paused.child.js <events db> <read store url> <pause before reading from position>
require('../../../../testing/src/child/register-ts');
const fs = require('node:fs');
const readline = require('node:readline');
const { SqliteEventStore } = require('@ticketing/event-store');
const { openReadStore, rebuildProjections } = require('../../index.ts');
const { streamCountsProjection } = require('../stream-counts.projection.ts');

const [eventsPath, readUrl, pauseAt] = process.argv.slice(2);
const say = (line) => fs.writeSync(1, `${line}\n`);

async function main() {
  const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  const store = new SqliteEventStore({ path: eventsPath });
  let paused = false;
  const eventStore = Object.create(store, {
    readAll: {
      value: (options) => {
        const inner = store.readAll(options);
        if (paused || options.fromPosition !== Number(pauseAt)) return inner;
        paused = true;
        return (async function* () {
          say('paused');
          await lines.next();
          yield* inner;
        })();
      },
    },
  });
  const readStore = await openReadStore(readUrl);
  const log = (level) => (details, message) => say(JSON.stringify({ level, message, ...details }));
  const statuses = await rebuildProjections({
    readStore,
    eventStore,
    projections: [streamCountsProjection()],
    batchSize: 50,
    replayPageSize: 50,
    logger: { info: log('info'), warn: log('warn'), error: log('error') },
  });
  say(`done ${JSON.stringify(statuses)}`);
  await readStore.close();
  await store.close();
  process.exit(0);
}

main().catch((error) => {
  process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
