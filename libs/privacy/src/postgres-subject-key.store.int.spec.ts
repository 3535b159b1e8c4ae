/*
 * The SubjectKeyStore contract on PostgresSubjectKeyStore against the PostgreSQL that CI starts
 * (`scripts/with-postgres.sh` exports TICKETING_TEST_POSTGRES_URL). Without it the suite is declared
 * with describe.skip — reported skipped, never passed — and the reason is printed (SKIPPED: …).
 * Each test gets a database of its own, dropped at the end.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { Client } from 'pg';
import { createTestDatabase, testPostgresUrl, type TestDatabase } from '@ticketing/testing';
import { PostgresSubjectKeyStore } from './postgres-subject-key.store';
import { describeSubjectKeyStoreContract } from './testing/subject-key-store.contract';

const adminUrl = testPostgresUrl();
if (adminUrl === undefined) process.stderr.write('\nSKIPPED: PostgresSubjectKeyStore against PostgreSQL — TICKETING_TEST_POSTGRES_URL is not set (scripts/with-postgres.sh sets it)\n');
const describeWithPostgres = adminUrl === undefined ? describe.skip : describe;

describeWithPostgres('PostgresSubjectKeyStore against PostgreSQL (TICKETING_TEST_POSTGRES_URL)', () => {
  const created: TestDatabase[] = [];
  const freshDatabase = async (): Promise<string> => {
    const database = await createTestDatabase(adminUrl!, 'keys_');
    created.push(database);
    return database.url;
  };
  afterAll(async () => {
    for (const database of created) await database.dispose().catch(() => undefined);
  });

  describeSubjectKeyStoreContract('postgres', async (url) => new PostgresSubjectKeyStore({ connectionString: url }), freshDatabase);

  it('keeps a destroyed key in no live row', async () => {
    const url = await freshDatabase();
    const store = new PostgresSubjectKeyStore({ connectionString: url });
    const key = await store.currentKey('cust-1');
    await store.erase('cust-1', '2026-12-07T10:00:00.000Z');
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM ticketing_subject_keys WHERE material = $1', [key.material]);
      expect(Number(rows[0].n)).toBe(0);
    } finally {
      await client.end();
      await store.close();
    }
  });
});
