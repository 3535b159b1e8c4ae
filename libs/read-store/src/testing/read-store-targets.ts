import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from '@jest/globals';
import { createTestDatabase, TEST_POSTGRES_URL_VARIABLE, testPostgresUrl } from '@ticketing/testing';
import type { ReadStoreDialect } from '../read-store.factory';

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
      return createTestDatabase(adminUrl);
    },
  };
}

/**
 * The databases to run read-store tests against: a SQLite file always, and PostgreSQL — skipped, with
 * the reason, when TICKETING_TEST_POSTGRES_URL is not set; failing, never skipped, when it is set but
 * the server cannot be reached.
 */
export function readStoreTargets(env: NodeJS.ProcessEnv = process.env): ReadStoreTarget[] {
  return [sqliteTarget, postgresTarget(testPostgresUrl(env))];
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
