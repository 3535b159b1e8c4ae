import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventStore, NewEvent, SqliteEventStore, SqliteSynchronous } from '@ticketing/event-store';

/**
 * Event store throughput against its ceiling: raw better-sqlite3 inserting the same rows into the
 * same table, in the same transaction sizes, at the same synchronous setting, in the same run.
 * What the raw side skips is exactly the store's work: reading the stream's head, checking the
 * expected revision, canonical JSON + SHA-256 per event, the async API.
 */

const SYNCHRONOUS: SqliteSynchronous = 'FULL'; // the store's default
const STREAMS = 10_000;
const BATCH = 100;
const TIME_BUDGET_MS = 8_000; // per scenario, both sides together, so the whole run stays near a minute

type Scenario = Readonly<{ name: string; streams: number; batchSize: number; maxAppends: number }>;
type Measured = Readonly<{ events: number; ms: number }>;
type Opener = (path: string, synchronous?: SqliteSynchronous) => SqliteEventStore;

const SCENARIOS: readonly Scenario[] = [
  { name: '1 stream, single-event appends', streams: 1, batchSize: 1, maxAppends: 5_000 },
  { name: '1 stream, 100-event batches', streams: 1, batchSize: BATCH, maxAppends: 1_500 },
  { name: `${STREAMS.toLocaleString('en')} streams, single-event appends`, streams: STREAMS, batchSize: 1, maxAppends: 5_000 },
  { name: `${STREAMS.toLocaleString('en')} streams, 100-event batches`, streams: STREAMS, batchSize: BATCH, maxAppends: 1_500 },
];

const metadata = {
  ticketId: 'ticket-0190f5a2-7c1e-7b3a-9d4e-2f6a8b0c1d2e',
  correlationId: '0190f5a2-7c1e-7b3a-9d4e-2f6a8b0c1d2f',
  causationId: '0190f5a2-7c1e-7b3a-9d4e-2f6a8b0c1d30',
  actor: { kind: 'agent', id: 'agent-42' },
  occurredAt: '2026-03-01T10:00:00.000Z',
} as const;

let eventCounter = 0;
const makeEvent = (): NewEvent => {
  const n = ++eventCounter;
  return {
    id: `0190f5a2-${String(n).padStart(12, '0')}`,
    type: 'TicketMessageAdded',
    schemaVersion: 1,
    data: {
      ticketId: metadata.ticketId,
      messageId: `m-${n}`,
      author: { kind: 'customer', id: 'cust-1001' },
      channel: 'live_chat',
      language: 'en',
      body: 'My USDT withdrawal to TRC20 has been pending for 3 hours, tx not visible on chain.',
      attachments: [],
    },
    metadata,
  };
};

const streamName = (scenario: Scenario, i: number) => `ticket-${i % scenario.streams}`;

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'event-store-bench-'));
}

/** One append per stream so the stream index has its full size before the clock starts. */
async function seedOurs(store: EventStore, scenario: Scenario, revisions: Map<string, number>): Promise<void> {
  for (let i = 0; i < scenario.streams; i++) {
    const name = streamName(scenario, i);
    const result = await store.append(name, [makeEvent()], { expectedRevision: 'no_stream' });
    revisions.set(name, result.nextExpectedRevision);
  }
}

function seedRaw(db: Database.Database, scenario: Scenario, revisions: Map<string, number>, insertRows: (name: string, events: readonly NewEvent[], first: number) => void) {
  db.transaction(() => {
    for (let i = 0; i < scenario.streams; i++) {
      const name = streamName(scenario, i);
      insertRows(name, [makeEvent()], 0);
      revisions.set(name, 0);
    }
  })();
}

type Side = Readonly<{
  /** Appends the next batch; resolves when acknowledged. */
  append: (index: number, events: readonly NewEvent[]) => Promise<void> | void;
  close: () => Promise<void> | void;
}>;

async function openOurs(scenario: Scenario, open: Opener, synchronous: SqliteSynchronous, dir: string): Promise<Side> {
  const path = join(dir, 'events.db');
  const revisions = new Map<string, number>();
  // Seeding is not measured: do it without an fsync per stream, then reopen as configured.
  const seeder = open(path, 'NORMAL');
  await seedOurs(seeder, scenario, revisions);
  await seeder.close();
  const store = open(path, synchronous);
  return {
    append: async (index, events) => {
      const name = streamName(scenario, index);
      const result = await store.append(name, events, { expectedRevision: revisions.get(name) ?? 'no_stream' });
      revisions.set(name, result.nextExpectedRevision);
    },
    close: () => store.close(),
  };
}

function openRaw(scenario: Scenario, schema: string, synchronous: SqliteSynchronous, dir: string): Side {
  const db = new Database(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.exec(schema);
  const insert = db.prepare(
    `INSERT INTO es_events (event_id, stream_name, stream_revision, type, schema_version, data, metadata, recorded_at, prev_hash, hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const placeholderHash = 'f'.repeat(64);
  const insertRows = (name: string, events: readonly NewEvent[], first: number) => {
    const recordedAt = new Date().toISOString();
    for (let i = 0; i < events.length; i++) {
      const event = events[i];
      insert.run(
        event.id,
        name,
        first + i,
        event.type,
        event.schemaVersion,
        JSON.stringify(event.data),
        JSON.stringify(event.metadata),
        recordedAt,
        placeholderHash,
        placeholderHash,
      );
    }
  };
  const transaction = db.transaction(insertRows);
  const revisions = new Map<string, number>();
  seedRaw(db, scenario, revisions, insertRows);
  return {
    append: (index, events) => {
      const name = streamName(scenario, index);
      const first = (revisions.get(name) ?? -1) + 1;
      transaction(name, events, first);
      revisions.set(name, first + events.length - 1);
    },
    close: () => void db.close(),
  };
}

/**
 * Both sides run in alternating rounds of the same appends, so a slow patch of the disk (fsync
 * times vary a lot on shared machines) hits both instead of whichever happened to run then.
 */
async function measureScenario(
  scenario: Scenario,
  open: Opener,
  schema: string,
  synchronous: SqliteSynchronous,
): Promise<{ ours: Measured; raw: Measured; appends: number }> {
  const dir = tempDir();
  const ours = await openOurs(scenario, open, synchronous, dir);
  const raw = openRaw(scenario, schema, synchronous, dir);
  const rounds = 10;
  const perRound = Math.ceil(scenario.maxAppends / rounds);
  const batches = (count: number) => Array.from({ length: count }, () => Array.from({ length: scenario.batchSize }, makeEvent));
  let oursMs = 0;
  let rawMs = 0;
  let appends = 0;
  try {
    for (let round = 0; round < rounds && oursMs + rawMs < TIME_BUDGET_MS; round++) {
      const oursBatches = batches(perRound);
      const rawBatches = batches(perRound);
      const timeOurs = async () => {
        const start = performance.now();
        for (let i = 0; i < perRound; i++) await ours.append(appends + i, oursBatches[i]);
        oursMs += performance.now() - start;
      };
      const timeRaw = async () => {
        const start = performance.now();
        for (let i = 0; i < perRound; i++) await raw.append(appends + i, rawBatches[i]);
        rawMs += performance.now() - start;
      };
      // Whoever runs second may pay for the first one's write-back: take turns.
      if (round % 2 === 0) {
        await timeOurs();
        await timeRaw();
      } else {
        await timeRaw();
        await timeOurs();
      }
      appends += perRound;
    }
  } finally {
    await ours.close();
    await raw.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const events = appends * scenario.batchSize;
  return { ours: { events, ms: oursMs }, raw: { events, ms: rawMs }, appends };
}

async function measureReads(open: Opener, total: number): Promise<{ ours: Measured; raw: Measured }> {
  const dir = tempDir();
  const path = join(dir, 'events.db');
  const store = open(path);
  try {
    for (let i = 0; i < total; i += 1_000) {
      await store.append(`ticket-${i % STREAMS}`, Array.from({ length: 1_000 }, makeEvent), { expectedRevision: 'any' });
    }
    let count = 0;
    let start = performance.now();
    for await (const event of store.readAll()) if (event.globalPosition > 0) count++;
    const ours = { events: count, ms: performance.now() - start };

    const db = new Database(path, { readonly: true });
    const page = db.prepare('SELECT * FROM es_events WHERE global_position > ? ORDER BY global_position LIMIT 500');
    count = 0;
    start = performance.now();
    for (let after = 0; ; ) {
      const rows = page.all(after) as Array<{ global_position: number; data: string; metadata: string }>;
      if (rows.length === 0) break;
      for (const row of rows) {
        JSON.parse(row.data);
        JSON.parse(row.metadata);
        count++;
      }
      after = rows[rows.length - 1].global_position;
    }
    db.close();
    return { ours, raw: { events: count, ms: performance.now() - start } };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const perSecond = (measured: Measured) => (measured.events / measured.ms) * 1_000;
const format = (value: number) => Math.round(value).toLocaleString('en').padStart(10);

/** Prints appends/s and readAll events/s of the SQLite event store next to raw better-sqlite3. */
export async function runEventStoreBench(): Promise<void> {
  const { SqliteEventStore: Store, SQLITE_EVENT_STORE_SCHEMA } = await import('@ticketing/event-store');
  const open = (path: string, synchronous: SqliteSynchronous = SYNCHRONOUS) => new Store({ path, synchronous });
  const log = (line: string) => process.stdout.write(`${line}\n`);

  log(`event store bench: SQLite WAL, events of ~${JSON.stringify(makeEvent()).length} bytes of JSON; raw = better-sqlite3 inserts of the same rows`);
  const header = `${'scenario'.padEnd(48)} ${'ours ev/s'.padStart(10)} ${'ours app/s'.padStart(10)} ${'raw ev/s'.padStart(10)} ${'ours/raw'.padStart(8)}`;
  for (const synchronous of [SYNCHRONOUS, 'NORMAL'] as const) {
    log('');
    log(synchronous === SYNCHRONOUS
      ? `synchronous=${synchronous} (the store's default; targets: single-event >= 50%, 100-event batches >= 60% of raw)`
      : `synchronous=${synchronous} (for reference: no fsync per commit, so the store's own CPU cost shows)`);
    log(header);
    for (const scenario of SCENARIOS) {
      // A short warm-up so neither side pays for JIT compilation inside its measurement.
      await measureScenario({ ...scenario, streams: Math.min(scenario.streams, 100), maxAppends: 60 }, open, SQLITE_EVENT_STORE_SCHEMA, synchronous);
      const { ours, raw, appends } = await measureScenario(scenario, open, SQLITE_EVENT_STORE_SCHEMA, synchronous);
      const ratio = perSecond(ours) / perSecond(raw);
      const target = scenario.batchSize === 1 ? 0.5 : 0.6;
      const verdict = synchronous === SYNCHRONOUS ? `  target ${target * 100}%: ${ratio >= target ? 'met' : 'MISSED'}` : '';
      log(
        `${scenario.name.padEnd(48)} ${format(perSecond(ours))} ${format((appends / ours.ms) * 1_000)} ${format(perSecond(raw))} ` +
          `${(ratio * 100).toFixed(0).padStart(7)}%${verdict}`,
      );
    }
  }

  log('');
  const reads = await measureReads(open, 200_000);
  const readRatio = perSecond(reads.ours) / perSecond(reads.raw);
  log(
    `${'readAll, 200,000 events (pages of 500)'.padEnd(48)} ${format(perSecond(reads.ours))} ${''.padStart(10)} ${format(perSecond(reads.raw))} ` +
      `${(readRatio * 100).toFixed(0).padStart(7)}%`,
  );
}
