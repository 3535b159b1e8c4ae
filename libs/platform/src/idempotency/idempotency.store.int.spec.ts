import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import { Pool } from 'pg';
import { createTestDatabase, testPostgresUrl } from '@ticketing/testing';
import { IdempotencyStore } from './idempotency.store';

const now = new Date('2026-12-07T10:00:00.000Z');
const postgresUrl = testPostgresUrl();
if (postgresUrl === undefined) process.stderr.write('\nSKIPPED: IdempotencyStore on PostgreSQL — TICKETING_TEST_POSTGRES_URL is not set (scripts/with-postgres.sh sets it)\n');

// The LIKE patterns with their escapes must mean the same on both dialects.
const dialects: [string, () => Promise<{ db: Kysely<unknown>; drop: () => Promise<void> }>, boolean][] = [
  ['SQLite', async () => ({ db: new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) }), drop: async () => undefined }), true],
  [
    'PostgreSQL',
    async () => {
      const database = await createTestDatabase(postgresUrl!, 'idem_');
      return { db: new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new Pool({ connectionString: database.url }) }) }), drop: database.dispose };
    },
    postgresUrl !== undefined,
  ],
];

describe.each(dialects)('IdempotencyStore.eraseResponsesAbout (erasure) on %s', (_name, open, available) => {
  if (!available) {
    it.skip('SKIPPED: no TICKETING_TEST_POSTGRES_URL', () => undefined);
    return;
  }
  let db: Kysely<unknown>;
  let drop: () => Promise<void>;
  let store: IdempotencyStore;

  beforeEach(async () => {
    ({ db, drop } = await open());
    store = new IdempotencyStore(db);
  });
  afterEach(async () => {
    await db.destroy();
    await drop();
  });

  const done = async (scope: string, key: string, body: unknown) => {
    expect(await store.reserve({ scope, key, fingerprint: 'f', now })).toEqual({ kind: 'new' });
    await store.complete(scope, key, body);
  };
  const envelope = (payload: unknown) => ({ status: 201, contentType: 'application/json', payload: JSON.stringify(payload) });

  it('drops the responses of the customer’s own requests and those naming them, and refuses their replay', async () => {
    await done('customer:cust_1', 'k1', envelope({ id: 't1', customerId: 'cust_1', subject: 'mine' }));
    await done('agent:a-1', 'k2', envelope({ id: 't1', customerId: 'cust_1', subject: 'about them' }));
    await done('agent:a-1', 'k3', { id: 't9', customerId: 'cust_1' });
    // Look-alikes stay: another id that merely contains it, and LIKE's wildcards taken literally.
    await done('agent:a-1', 'k4', envelope({ id: 't2', customerId: 'cust_10' }));
    await done('agent:a-1', 'k5', envelope({ id: 't3', customerId: 'custX1' }));
    await done('customer:cust_10', 'k6', envelope({ id: 't4', customerId: 'cust_10' }));

    expect(await store.eraseResponsesAbout('cust_1')).toBe(3);
    for (const [scope, key] of [['customer:cust_1', 'k1'], ['agent:a-1', 'k2'], ['agent:a-1', 'k3']]) {
      expect(await store.reserve({ scope, key, fingerprint: 'f', now })).toEqual({ kind: 'erased' });
    }
    for (const [scope, key] of [['agent:a-1', 'k4'], ['agent:a-1', 'k5'], ['customer:cust_10', 'k6']]) {
      expect(await store.reserve({ scope, key, fingerprint: 'f', now })).toMatchObject({ kind: 'replay' });
    }
    expect(await store.eraseResponsesAbout('cust_1')).toBe(0);
  });
});

describe.each(dialects)('IdempotencyStore retention on %s', (_name, open, available) => {
  if (!available) {
    it.skip('SKIPPED: no TICKETING_TEST_POSTGRES_URL', () => undefined);
    return;
  }
  const HOUR = 3_600_000;
  const at = (hours: number) => new Date(now.getTime() + hours * HOUR);
  let db: Kysely<unknown>;
  let drop: () => Promise<void>;
  let store: IdempotencyStore;

  beforeEach(async () => {
    ({ db, drop } = await open());
    store = new IdempotencyStore(db, { retentionMs: 24 * HOUR });
  });
  afterEach(async () => {
    await db.destroy();
    await drop();
  });

  const completed = async (key: string, hours: number) => {
    expect(await store.reserve({ scope: 'customer:c1', key, fingerprint: 'f', now: at(hours) })).toEqual({ kind: 'new' });
    await store.complete('customer:c1', key, { id: key });
  };

  it('answers the first response for the retention, then frees the key, whatever the new request', async () => {
    await completed('k1', 0);
    expect(await store.reserve({ scope: 'customer:c1', key: 'k1', fingerprint: 'f', now: at(23.9) })).toEqual({ kind: 'replay', body: { id: 'k1' } });
    expect(await store.reserve({ scope: 'customer:c1', key: 'k1', fingerprint: 'other', now: at(23.9) })).toEqual({ kind: 'mismatch' });
    expect(await store.reserve({ scope: 'customer:c1', key: 'k1', fingerprint: 'other', now: at(24.1) })).toEqual({ kind: 'new' });
    // Renewed from then on: the new request's key, pending until it completes.
    expect(await store.reserve({ scope: 'customer:c1', key: 'k1', fingerprint: 'other', now: at(24.105) })).toEqual({ kind: 'in_progress' });
    await store.complete('customer:c1', 'k1', { id: 'second' });
    expect(await store.reserve({ scope: 'customer:c1', key: 'k1', fingerprint: 'other', now: at(47) })).toEqual({ kind: 'replay', body: { id: 'second' } });
  });

  it('prunes only the keys past the retention, done, pending or erased', async () => {
    await completed('old-done', 0);
    expect(await store.reserve({ scope: 'customer:c1', key: 'old-pending', fingerprint: 'f', now: at(0) })).toEqual({ kind: 'new' });
    await completed('young', 10);
    expect(await store.pruneExpired(at(24.5))).toBe(2);
    expect(await store.pruneExpired(at(24.5))).toBe(0);
    expect(await store.reserve({ scope: 'customer:c1', key: 'young', fingerprint: 'f', now: at(24.5) })).toEqual({ kind: 'replay', body: { id: 'young' } });
    expect(await store.reserve({ scope: 'customer:c1', key: 'old-done', fingerprint: 'f', now: at(24.5) })).toEqual({ kind: 'new' });
    expect(await store.pruneExpired(at(34.5))).toBe(1);
  });
});
