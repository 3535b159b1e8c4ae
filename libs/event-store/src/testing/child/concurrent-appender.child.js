'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a plain CommonJS script run by `node` in a child process */
// Appends <count> events, alternating between its own stream (exact revision) and a stream every
// appender shares (read the latest revision, append, re-read and retry on a ConcurrencyError).
// Prints `ready` once the store is open, starts on `go` from stdin, prints `done <conflicts>`.
// Usage: node concurrent-appender.child.js <db file> <label> <count> <shared stream>
require('../../../../testing/src/child/register-ts');
const { ConcurrencyError } = require('@ticketing/kernel');
const { SqliteEventStore } = require('../../sqlite/sqlite-event-store.adapter.ts');

const [path, label, countArg, sharedStream] = process.argv.slice(2);
const count = Number(countArg);

const event = (id) => ({
  id,
  type: 'LoadGenerated',
  schemaVersion: 1,
  data: { by: label },
  metadata: {
    ticketId: id,
    correlationId: label,
    causationId: label,
    actor: { kind: 'system', id: label },
    occurredAt: new Date().toISOString(),
  },
});

async function lastRevision(store, streamName, from) {
  let last = from - 1;
  for await (const recorded of store.readStream(streamName, { from })) last = recorded.streamRevision;
  return last;
}

// Both appenders must be writing at the same time for the test to mean anything: after its first
// append each waits until the other's first event is in the file.
async function waitForTheOther(store) {
  for (;;) {
    for await (const recorded of store.readAll()) if (recorded.metadata.correlationId !== label) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function main() {
  const store = new SqliteEventStore({ path, busyTimeoutMs: 10_000 });
  process.stdout.write('ready\n');
  await new Promise((resolve) => process.stdin.once('data', resolve));
  process.stdin.destroy();
  let own = -1;
  let shared = -1;
  let conflicts = 0;
  for (let i = 0; i < count; i++) {
    if (i % 2 === 0) {
      const result = await store.append(`own-${label}`, [event(`${label}-own-${i}`)], {
        expectedRevision: own === -1 ? 'no_stream' : own,
      });
      own = result.nextExpectedRevision;
      if (i === 0) await waitForTheOther(store);
      continue;
    }
    for (;;) {
      shared = await lastRevision(store, sharedStream, shared + 1);
      try {
        const result = await store.append(sharedStream, [event(`${label}-shared-${i}`)], {
          expectedRevision: shared === -1 ? 'no_stream' : shared,
        });
        shared = result.nextExpectedRevision;
        break;
      } catch (error) {
        if (!(error instanceof ConcurrencyError)) throw error;
        conflicts++;
      }
    }
  }
  await store.close();
  process.stdout.write(`done ${conflicts}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
