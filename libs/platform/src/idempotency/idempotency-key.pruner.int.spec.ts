import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { ManualClock } from '@ticketing/kernel';
import { IdempotencyKeyPruner } from './idempotency-key.pruner';
import { IdempotencyStore } from './idempotency.store';

const HOUR = 3_600_000;
const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

describe('IdempotencyKeyPruner', () => {
  let db: Kysely<unknown>;
  let store: IdempotencyStore;
  let clock: ManualClock;
  let pruner: IdempotencyKeyPruner;

  beforeEach(() => {
    db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
    store = new IdempotencyStore(db, { retentionMs: 24 * HOUR });
    clock = new ManualClock(new Date('2026-12-07T10:00:00.000Z'));
    pruner = new IdempotencyKeyPruner({ store, clock, logger: silent });
  });
  afterEach(async () => {
    await pruner.stop();
    await db.destroy();
  });

  const keys = async (): Promise<string[]> =>
    (await (db as Kysely<{ http_idempotency_keys: { idempotency_key: string } }>).selectFrom('http_idempotency_keys').select('idempotency_key').orderBy('idempotency_key').execute()).map((row) => row.idempotency_key);
  const reserve = (key: string) => store.reserve({ scope: 'customer:c1', key, fingerprint: 'f', now: clock.now() });
  async function eventually(condition: () => Promise<boolean>, what: string): Promise<void> {
    for (let i = 0; i < 1_000; i++) {
      if (await condition()) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
    throw new Error(`Timed out waiting for ${what}`);
  }

  /** Lets the pruner's hourly passes run, one after another, up to `hours` from now. */
  async function passHours(hours: number): Promise<void> {
    for (let hour = 0; hour < hours; hour++) {
      await eventually(async () => clock.pendingSleeps === 1, 'the pruner asleep');
      clock.advance(HOUR);
    }
    await eventually(async () => clock.pendingSleeps === 1, 'the pruner asleep');
  }

  it('deletes each key within an hour of its expiry, and nothing younger', async () => {
    await reserve('first');
    clock.advance(10 * HOUR);
    await reserve('later');
    pruner.start();
    // 'first' turns 24 h old 14 h from now, 'later' 10 h after that.
    await passHours(13);
    expect(await keys()).toEqual(['first', 'later']);
    await passHours(2);
    expect(await keys()).toEqual(['later']);
    await passHours(10);
    expect(await keys()).toEqual([]);
  });

  it('stops sleeping when stopped', async () => {
    pruner.start();
    await pruner.stop();
    await reserve('after-stop');
    clock.advance(48 * HOUR);
    await new Promise((resolve) => setImmediate(resolve));
    expect(await keys()).toEqual(['after-stop']);
  });
});
