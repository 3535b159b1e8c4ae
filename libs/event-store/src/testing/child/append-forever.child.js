'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a plain CommonJS script run by `node` in a child process */
// Appends until killed; prints `ack <id>` for every event only after its append resolved.
// Usage: node append-forever.child.js <db file> <label>
require('../../../../testing/src/child/register-ts');
const { SqliteEventStore } = require('../../sqlite/sqlite-event-store.adapter.ts');

const [path, label] = process.argv.slice(2);

async function main() {
  const store = new SqliteEventStore({ path });
  const revisions = new Map();
  for (let i = 0; ; i++) {
    const streamName = `load-${label}-${i % 5}`;
    const size = i % 7 === 0 ? 5 : 1;
    const events = Array.from({ length: size }, (_, j) => ({
      id: `${label}-${i}-${j}`,
      type: 'LoadGenerated',
      schemaVersion: 1,
      data: { i, j, padding: 'x'.repeat(300) },
      metadata: {
        ticketId: streamName,
        correlationId: label,
        causationId: label,
        actor: { kind: 'system', id: 'load' },
        occurredAt: new Date().toISOString(),
      },
    }));
    const known = revisions.get(streamName);
    const result = await store.append(streamName, events, { expectedRevision: known === undefined ? 'no_stream' : known });
    revisions.set(streamName, result.nextExpectedRevision);
    // One write per append: a pipe write below PIPE_BUF is atomic, and synchronous on Linux.
    process.stdout.write(events.map((event) => `ack ${event.id}\n`).join(''));
  }
}

main().catch((error) => {
  process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
