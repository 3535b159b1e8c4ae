import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, ValidationError, type EventMetadata } from '@ticketing/kernel';
import type { NewEvent } from '../event-store.port';
import { verifyChainAsync } from '../hash-chain';
import { MemoryEventStore } from '../memory/memory-event-store.adapter';
import { openEventStore } from '../open-event-store';
import { eventStoreContract } from '../testing';
import { SqliteEventStore } from './sqlite-event-store.adapter';

eventStoreContract('sqlite', async (options) => {
  const dir = mkdtempSync(join(tmpdir(), 'event-store-contract-'));
  return {
    store: new SqliteEventStore({ ...options, path: join(dir, 'events.db') }),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

const metadata: EventMetadata = {
  ticketId: 't-1',
  correlationId: 'c-1',
  causationId: 'c-1',
  actor: { kind: 'agent', id: 'a-1' },
  occurredAt: '2026-01-01T00:00:00.000Z',
};
const event = (id: string, data: Record<string, unknown> = {}): NewEvent => ({
  id,
  type: 'TicketNoted',
  schemaVersion: 1,
  data,
  metadata,
});

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe('SqliteEventStore', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'event-store-sqlite-'));
    path = join(dir, 'events.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("wakes the subscriptions of other stores on the same file in this process at once, without their poll", async () => {
    const clock = new ManualClock('2026-01-01T00:00:00.000Z');
    // The poll never fires: the clock does not move.
    const writer = new SqliteEventStore({ path, clock, pollIntervalMs: 3_600_000 });
    const reader = new SqliteEventStore({ path: join(dir, '.', 'events.db'), clock, pollIntervalMs: 3_600_000 });
    const elsewhere = new SqliteEventStore({ path: join(dir, 'other.db'), clock, pollIntervalMs: 3_600_000 });
    const subscription = reader.subscribe();
    const otherSubscription = elsewhere.subscribe();
    const next = subscription[Symbol.asyncIterator]().next();
    const otherNext = otherSubscription[Symbol.asyncIterator]().next();
    await writer.append('ticket-1', [event('e-1')], { expectedRevision: 'no_stream' });
    await expect(next).resolves.toMatchObject({ done: false, value: { id: 'e-1', streamName: 'ticket-1' } });
    let otherWoke = false;
    void otherNext.then(() => (otherWoke = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(otherWoke).toBe(false);
    await Promise.all([writer.close(), reader.close(), elsewhere.close()]);
  });

  it('opens in WAL mode with synchronous=FULL by default, NORMAL when asked, and a busy timeout', async () => {
    const store = new SqliteEventStore({ path, busyTimeoutMs: 1234 });
    await store.close();
    const durable = new Database(path);
    expect(durable.pragma('journal_mode', { simple: true })).toBe('wal');
    durable.close();

    // synchronous and busy_timeout are per connection: read them through the store's own handle.
    const pragmas = (store: SqliteEventStore) => {
      const db = (store as unknown as { db: Database.Database }).db;
      return { synchronous: db.pragma('synchronous', { simple: true }), busyTimeout: db.pragma('busy_timeout', { simple: true }) };
    };
    const full = new SqliteEventStore({ path, busyTimeoutMs: 1234 });
    expect(pragmas(full)).toEqual({ synchronous: 2, busyTimeout: 1234 });
    await full.close();
    const normal = new SqliteEventStore({ path, synchronous: 'NORMAL' });
    expect(pragmas(normal)).toEqual({ synchronous: 1, busyTimeout: 5000 });
    await normal.close();
  });

  it('keeps events, positions and the chain across close and reopen', async () => {
    const first = new SqliteEventStore({ path });
    await first.append('ticket-1', [event('e1'), event('e2')], { expectedRevision: 'no_stream' });
    await first.close();

    const second = new SqliteEventStore({ path });
    await expect(second.append('ticket-1', [event('e1'), event('e2')], { expectedRevision: 'no_stream' })).resolves.toEqual({
      nextExpectedRevision: 1,
      lastGlobalPosition: 2,
    });
    await second.append('ticket-1', [event('e3')], { expectedRevision: 1 });
    expect((await collect(second.readAll())).map((recorded) => recorded.id)).toEqual(['e1', 'e2', 'e3']);
    expect(await verifyChainAsync(second.readStream('ticket-1'))).toMatchObject({ valid: true, eventsChecked: 3 });
    await second.close();
  });

  it('lets an auditor detect a row altered directly in the file', async () => {
    const store = new SqliteEventStore({ path });
    await store.append('ticket-1', [event('e1', { amount: '10' }), event('e2'), event('e3')], { expectedRevision: 'no_stream' });
    await store.close();

    const tamper = new Database(path);
    tamper.prepare(`UPDATE es_events SET data = '{"amount":"10000"}' WHERE event_id = 'e1'`).run();
    tamper.close();

    const reopened = new SqliteEventStore({ path });
    expect(await verifyChainAsync(reopened.readStream('ticket-1'))).toMatchObject({
      valid: false,
      brokenAtRevision: 0,
      reason: 'hash_mismatch',
    });
    await reopened.close();
  });

  it('rolls back a whole batch when one event id is already taken, leaving no hole in the positions', async () => {
    const store = new SqliteEventStore({ path });
    await store.append('ticket-1', [event('taken')], { expectedRevision: 'no_stream' });
    await expect(
      store.append('ticket-2', [event('fresh-1'), event('fresh-2'), event('taken')], { expectedRevision: 'no_stream' }),
    ).rejects.toThrow(/already recorded in stream ticket-1/);
    await store.append('ticket-2', [event('fresh-3')], { expectedRevision: 'no_stream' });

    const all = await collect(store.readAll());
    expect(all.map((recorded) => [recorded.id, recorded.globalPosition])).toEqual([
      ['taken', 1],
      ['fresh-3', 2],
    ]);
    await store.close();
  });

  it('reads a 200,000-event stream in bounded pages, and only as far as the reader pulls', async () => {
    const pageSize = 1_000;
    const total = 200_000;
    const store = new SqliteEventStore({ path, pageSize, synchronous: 'NORMAL' });
    const batch = 5_000;
    for (let start = 0; start < total; start += batch) {
      const events = Array.from({ length: batch }, (_, i) => event(`big-${start + i}`, { n: start + i }));
      await store.append('ticket-big', events, { expectedRevision: start === 0 ? 'no_stream' : start - 1 });
    }
    const pages: number[] = [];
    const readStreamPage = store.readStreamPage.bind(store);
    jest.spyOn(store, 'readStreamPage').mockImplementation((streamName, from, limit) => {
      const page = readStreamPage(streamName, from, limit);
      pages.push(page.length);
      return page;
    });

    const iterator = store.readStream('ticket-big')[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toMatchObject({ streamRevision: 0 });
    expect(pages).toEqual([pageSize]); // the first event did not load the stream
    await iterator.return?.();

    pages.length = 0;
    let count = 0;
    let outOfOrder = 0;
    for await (const recorded of store.readStream('ticket-big')) {
      if (recorded.streamRevision !== count) outOfOrder++;
      count++;
    }
    expect({ count, outOfOrder }).toEqual({ count: total, outOfOrder: 0 });
    expect(pages.length).toBeGreaterThanOrEqual(total / pageSize);
    expect(Math.max(...pages)).toBe(pageSize);

    const allPages: number[] = [];
    const readAllPage = store.readAllPage.bind(store);
    jest.spyOn(store, 'readAllPage').mockImplementation((after, filter, limit) => {
      const page = readAllPage(after, filter, limit);
      allPages.push(page.events.length);
      return page;
    });
    let lastPosition = 0;
    for await (const recorded of store.readAll({ filter: { eventTypes: ['TicketNoted'] } })) lastPosition = recorded.globalPosition;
    expect(lastPosition).toBe(total);
    expect(Math.max(...allPages)).toBeLessThanOrEqual(pageSize);
    await store.close();
  }, 120_000);
});

describe('openEventStore', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'event-store-open-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('opens memory: as a MemoryEventStore', async () => {
    const store = await openEventStore('memory:');
    expect(store).toBeInstanceOf(MemoryEventStore);
    await store.close();
  });

  it.each(['sqlite:', 'sqlite://'])('opens %s<path> as a SQLite file, creating missing parent folders', async (prefix) => {
    const file = join(dir, 'nested', 'deeper', 'events.db');
    const store = await openEventStore(`${prefix}${file}`, { synchronous: 'NORMAL' });
    expect(store).toBeInstanceOf(SqliteEventStore);
    await store.append('ticket-1', [event('e1')], { expectedRevision: 'no_stream' });
    await store.close();
    expect(existsSync(file)).toBe(true);
  });

  it.each([
    ['mongodb://localhost:27017', /unsupported scheme "mongodb:".*memory:, sqlite:, kurrentdb:/],
    ['postgres://db/events', /unsupported scheme "postgres:"/],
    ['events.db', /expected <scheme>:<location>/],
    ['sqlite:', /sqlite: needs a file path/],
  ])('rejects %s with a message naming what is allowed', async (url, message) => {
    const error = await openEventStore(url).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(message);
  });
});
