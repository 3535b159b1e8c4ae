import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ManualClock } from '@ticketing/kernel';
import { SqliteEventStore } from '@ticketing/event-store';
import { consumerStateStoreContract, deadLetter } from './consumer-state-store.contract';
import { SqliteConsumerStateStore } from './sqlite-consumer-state-store.adapter';
import { newEvent } from './embedded/embedded-bus.fixtures';

describe('SqliteConsumerStateStore', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bus-state-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  consumerStateStoreContract('SqliteConsumerStateStore', async () => new SqliteConsumerStateStore(join(dir, 'events.db')));

  it('persists checkpoints and dead letters across connections, with WAL on', async () => {
    const file = join(dir, 'events.db');
    const clock = new ManualClock('2026-02-02T02:02:02.000Z');
    const first = new SqliteConsumerStateStore(file, { clock });
    await first.saveCheckpoint('routing', 42);
    await first.park(deadLetter());
    await first.close();

    const second = new SqliteConsumerStateStore(file);
    expect(await second.loadCheckpoint('routing')).toBe(42);
    expect(await second.listParked()).toEqual([deadLetter()]);
    await second.close();

    const raw = new Database(file, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.prepare('SELECT updated_at FROM bus_checkpoints WHERE group_name = ?').get('routing')).toEqual({
      updated_at: '2026-02-02T02:02:02.000Z',
    });
    raw.close();
  });

  it('shares the event store file: both connections read and write side by side', async () => {
    const file = join(dir, 'events.db');
    const events = new SqliteEventStore({ path: file });
    const state = new SqliteConsumerStateStore(file);
    await events.append('ticket-1', [newEvent('TicketOpened', 'ticket-1')], { expectedRevision: 'no_stream' });
    await state.saveCheckpoint('routing', 1);
    await events.append('ticket-1', [newEvent('TicketClosed', 'ticket-1')], { expectedRevision: 0 });
    expect(await events.headPosition()).toBe(2);
    expect(await state.loadCheckpoint('routing')).toBe(1);

    const raw = new Database(file, { readonly: true });
    const tables = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all();
    raw.close();
    expect(tables).toEqual(expect.arrayContaining([{ name: 'bus_checkpoints' }, { name: 'bus_dead_letters' }, { name: 'es_events' }]));
    await state.close();
    await events.close();
  });

  it('can use a connection it is given, and leaves it open on close', async () => {
    const db = new Database(join(dir, 'shared.db'));
    const state = new SqliteConsumerStateStore(db);
    await state.saveCheckpoint('g', 1);
    await state.close();
    expect(db.open).toBe(true);
    db.close();
  });
});
