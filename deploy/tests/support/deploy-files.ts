import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ALL_CONTEXTS } from './contexts';
import { topicOf } from '@ticketing/contracts';
import { loadConfig, signingKeyFileFromEnv } from '@ticketing/platform';
import { parseAllDocuments } from 'yaml';
import { disputesSettingsFromEnv } from '@ticketing/disputes-feature';

export const REPO_ROOT = join(__dirname, '../../..');
export const DEPLOY_DIR = join(REPO_ROOT, 'deploy');
export const KUBERNETES_DIR = join(DEPLOY_DIR, 'kubernetes');

/** A parsed YAML document with where it came from. */
export type YamlDocument = Readonly<{ file: string; index: number; value: unknown }>;

/** Every document of a YAML file; throws with the file name on a syntax error or warning. */
export function readYamlDocuments(file: string): YamlDocument[] {
  const documents = parseAllDocuments(readFileSync(file, 'utf8'), { prettyErrors: true, uniqueKeys: true, merge: true });
  const name = relative(REPO_ROOT, file);
  return documents
    .map((document, index) => {
      const problems = [...document.errors, ...document.warnings];
      if (problems.length > 0) throw new Error(`${name} document ${index}: ${problems.map((p) => p.message).join('; ')}`);
      return { file: name, index, value: document.toJS({ maxAliasCount: 100 }) as unknown };
    })
    .filter((document) => document.value !== null && document.value !== undefined);
}

export function readYaml(file: string): unknown {
  const [document, ...rest] = readYamlDocuments(file);
  if (rest.length > 0) throw new Error(`${relative(REPO_ROOT, file)} has ${rest.length + 1} documents, expected one`);
  return document?.value;
}

/** Files under `dir` (recursively) whose names end with one of `extensions`. */
export function filesUnder(dir: string, extensions: readonly string[]): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...filesUnder(path, extensions));
    else if (extensions.some((extension) => entry.endsWith(extension))) found.push(path);
  }
  return found.sort();
}

export const exists = (path: string): boolean => existsSync(path);

/**
 * The environment variables the platform's configuration reads: every name `loadConfig` looks up
 * (found by handing it an environment that records each lookup, so the list cannot drift from the code).
 */
export function knownConfigVariables(): ReadonlySet<string> {
  const seen = new Set<string>();
  const recording = new Proxy({} as NodeJS.ProcessEnv, {
    get(_target, key) {
      if (typeof key === 'string') seen.add(key);
      return undefined;
    },
  });
  loadConfig(recording);
  // Contexts read their own settings beside the platform's: the ones a manifest may set today.
  disputesSettingsFromEnv(recording);
  signingKeyFileFromEnv(recording);
  return seen;
}

/** The Kafka topics the contracts define: every context's topic and its dead-letter topic beside it. */
export function expectedTopics(): { events: string[]; deadLetters: string[] } {
  const events = ALL_CONTEXTS.map((context) => topicOf(context));
  return { events, deadLetters: events.map((topic) => `${topic}.dlq`) };
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `value` as a record, or a failure naming `what`. */
export function record(value: unknown, what: string): Record<string, unknown> {
  if (!isRecord(value)) throw new Error(`${what} is not a mapping: ${JSON.stringify(value)}`);
  return value;
}

export function list(value: unknown, what: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new Error(`${what} is not a list: ${JSON.stringify(value)}`);
  return value;
}

/** The value at `path` inside nested mappings, or undefined. */
export const get = (value: unknown, ...path: string[]): unknown => path.reduce<unknown>((at, key) => (isRecord(at) ? at[key] : undefined), value);
