import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** Names the PostgreSQL server the tests may use: a role with CREATEDB, e.g. from scripts/with-postgres.sh. */
export const TEST_POSTGRES_URL_VARIABLE = 'TICKETING_TEST_POSTGRES_URL';

/** Prefix of the databases the tests create; scripts/with-postgres.sh drops leftovers on a fresh start. */
export const TEST_DATABASE_PREFIX = 'rs_';

/** The test server's URL, or undefined when none is configured (its suites are then skipped, saying why). */
export function testPostgresUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const url = env[TEST_POSTGRES_URL_VARIABLE]?.trim();
  return url === '' ? undefined : url;
}

const quoteIdentifier = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** Runs one statement (CREATE or DROP DATABASE) on its own connection as the test role. */
export async function asPostgresAdmin(adminUrl: string, statement: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl, application_name: 'ticketing-tests', connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/**
 * A background worker of another role (autovacuum) may still be attached to a test database, and a
 * non-superuser may not terminate it; it leaves within moments, so the drop is tried again.
 */
async function dropDatabase(adminUrl: string, database: string, attempts = 10): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await asPostgresAdmin(adminUrl, `DROP DATABASE IF EXISTS ${quoteIdentifier(database)} WITH (FORCE)`);
    } catch (error) {
      const insufficientPrivilege = (error as { code?: unknown }).code === '42501';
      if (!insufficientPrivilege || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

/** An empty database of one test's own; `dispose` drops it (close every connection to it first). */
export type TestDatabase = Readonly<{ url: string; dispose: () => Promise<void> }>;

/**
 * Creates `rs_<label><pid>_<random>` on the test server: test files run in parallel workers, and
 * each test expects an empty database.
 */
export async function createTestDatabase(adminUrl: string, label = ''): Promise<TestDatabase> {
  const database = `${TEST_DATABASE_PREFIX}${label}${process.pid}_${randomBytes(6).toString('hex')}`;
  await asPostgresAdmin(adminUrl, `CREATE DATABASE ${quoteIdentifier(database)}`);
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return { url: url.toString(), dispose: () => dropDatabase(adminUrl, database) };
}
