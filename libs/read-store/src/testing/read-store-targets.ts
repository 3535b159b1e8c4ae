import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from '@jest/globals';
import { Client } from 'pg';
import type { ReadStoreDialect } from '../read-store.factory';

/** Names the PostgreSQL server the tests may use: a role with CREATEDB, e.g. from scripts/with-postgres.sh. */
export const TEST_POSTGRES_URL_VARIABLE = 'TICKETING_TEST_POSTGRES_URL';

/** Prefix of the databases the tests create; scripts/with-postgres.sh drops leftovers on a fresh start. */
export const TEST_DATABASE_PREFIX = 'rs_';

/** One empty read store for one test: open it with `openReadStore(url)` as often as the test needs. */
export interface ReadStoreLocation {
  readonly url: string;
  /** Deletes it; close every store opened on it first (PostgreSQL's drop also ends stray connections). */
  dispose(): Promise<void>;
}

/** A database the read-store tests run against. */
export interface ReadStoreTarget {
  readonly dialect: ReadStoreDialect;
  /** For test titles: `SQLite file`, `PostgreSQL`. */
  readonly label: string;
  /** Why this target cannot run here; its suites are then reported as skipped, with this reason. */
  readonly skipReason?: string;
  /** A fresh, empty read store: a SQLite file in a temp dir of its own, or a new PostgreSQL database. */
  create(): Promise<ReadStoreLocation>;
}

const sqliteTarget: ReadStoreTarget = {
  dialect: 'sqlite',
  label: 'SQLite file',
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'read-store-'));
    return {
      url: `sqlite:${join(dir, 'read.db')}`,
      dispose: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
};

const quoteIdentifier = (name: string): string => `"${name.replaceAll('"', '""')}"`;

async function asAdmin(url: string, statement: string): Promise<void> {
  const client = new Client({ connectionString: url, application_name: 'read-store-tests', connectionTimeoutMillis: 10_000 });
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
      return await asAdmin(adminUrl, `DROP DATABASE IF EXISTS ${quoteIdentifier(database)} WITH (FORCE)`);
    } catch (error) {
      const insufficientPrivilege = (error as { code?: unknown }).code === '42501';
      if (!insufficientPrivilege || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

function postgresTarget(adminUrl: string | undefined): ReadStoreTarget {
  return {
    dialect: 'postgres',
    label: 'PostgreSQL',
    ...(adminUrl
      ? {}
      : {
          skipReason:
            `${TEST_POSTGRES_URL_VARIABLE} is not set (run the tests through scripts/with-postgres.sh, as .ci/run does, ` +
            'or point it at a server where the role may CREATE DATABASE)',
        }),
    async create() {
      if (!adminUrl) throw new Error(`${TEST_POSTGRES_URL_VARIABLE} is not set`);
      // A database per test: test files run in parallel workers, and each test expects an empty store.
      const database = `${TEST_DATABASE_PREFIX}${process.pid}_${randomBytes(6).toString('hex')}`;
      await asAdmin(adminUrl, `CREATE DATABASE ${quoteIdentifier(database)}`);
      const url = new URL(adminUrl);
      url.pathname = `/${database}`;
      return {
        url: url.toString(),
        dispose: () => dropDatabase(adminUrl, database),
      };
    },
  };
}

/**
 * The databases to run read-store tests against: a SQLite file always, and PostgreSQL — skipped, with
 * the reason, when TICKETING_TEST_POSTGRES_URL is not set; failing, never skipped, when it is set but
 * the server cannot be reached.
 */
export function readStoreTargets(env: NodeJS.ProcessEnv = process.env): ReadStoreTarget[] {
  const url = env[TEST_POSTGRES_URL_VARIABLE]?.trim();
  return [sqliteTarget, postgresTarget(url === '' ? undefined : url)];
}

export type DescribeEachReadStoreOptions = Readonly<{
  /** Only these dialects, e.g. `['postgres']` for what only a multi-connection server can show in one process. */
  dialects?: readonly ReadStoreDialect[];
}>;

/**
 * `describe(title, body)` once per target: `<title> (SQLite file)`, `<title> (PostgreSQL)`. A target
 * that cannot run here is declared with `describe.skip`, so its tests count as skipped, and its
 * reason goes both into the title and to stderr: a missing server never passes silently.
 */
export function describeEachReadStore(
  title: string,
  body: (target: ReadStoreTarget) => void,
  options: DescribeEachReadStoreOptions = {},
): void {
  for (const target of readStoreTargets()) {
    if (options.dialects && !options.dialects.includes(target.dialect)) continue;
    const name = `${title} (${target.label})`;
    if (target.skipReason) {
      process.stderr.write(`\nSKIPPED: ${name}: ${target.skipReason}\n`);
      describe.skip(`${name} — SKIPPED: ${target.skipReason}`, () => body(target));
    } else {
      describe(name, () => body(target));
    }
  }
}
