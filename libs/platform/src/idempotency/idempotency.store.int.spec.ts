import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { IdempotencyStore } from './idempotency.store';

const now = new Date('2026-12-07T10:00:00.000Z');

describe('IdempotencyStore.eraseResponsesAbout (erasure)', () => {
  let db: Kysely<unknown>;
  let store: IdempotencyStore;

  beforeEach(() => {
    db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
    store = new IdempotencyStore(db);
  });
  afterEach(() => db.destroy());

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
