import { ConfigError, type ConfigProblem } from '@ticketing/platform';
import { parseDecimal, parseRecoveryRules, type DisputeRules, type RecoveryRules } from '@ticketing/disputes-domain';
import { BLOB_STORE_VARIABLE, parseBlobStoreSetting, type BlobStoreSetting } from './attachments/blob-store.factory';

/** The disputes context's configuration, validated at start-up. */
export type DisputesSettings = Readonly<{
  dispute: DisputeRules;
  recovery: RecoveryRules;
  /** Where attachment bytes are stored: files (default `<data dir>/blobs`) or an S3 bucket. */
  blobStore: BlobStoreSetting;
}>;

export const DISPUTES_SETTINGS = Symbol.for('ticketing.disputes.settings');

const DEFAULT_TOLERANCE = '0.005';
const SYMBOL = /^[A-Z0-9][A-Z0-9._:/-]{1,31}$/;

const ENV = {
  tolerances: 'TICKETING_DISPUTES_TOLERANCES',
  indexWindow: 'TICKETING_DISPUTES_INDEX_PRICE_WINDOW_MS',
  maxRounds: 'TICKETING_DISPUTES_MAX_ROUNDS',
  recoveryRules: 'TICKETING_RECOVERY_RULES',
  blobStore: BLOB_STORE_VARIABLE,
} as const;

function toleranceProblem(value: unknown): string | undefined {
  const parsed = parseDecimal('tolerance', value, { maxIntegerDigits: 1, maxScale: 8 });
  if ('problem' in parsed) return parsed.problem;
  return parsed.value.greaterThanOrEqualTo(1) ? 'tolerance must be a fraction below 1 ("0.005" is 0.5%)' : undefined;
}

type Tolerances = Readonly<{ default: string; symbols: Readonly<Record<string, string>> }>;

function parseTolerances(raw: string | undefined, problems: ConfigProblem[]): Tolerances {
  const fallback = { default: DEFAULT_TOLERANCE, symbols: {} };
  if (raw === undefined || raw.trim() === '') return fallback;
  const allowed = 'JSON {"default": "0.005", "symbols": {"BTCUSDT": "0.003"}}: fractions as decimal strings below 1, symbols in capitals';
  let document: unknown;
  try {
    document = JSON.parse(raw);
  } catch {
    problems.push({ variable: ENV.tolerances, value: raw, allowed });
    return fallback;
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    problems.push({ variable: ENV.tolerances, value: raw, allowed });
    return fallback;
  }
  const { default: defaultTolerance = DEFAULT_TOLERANCE, symbols = {}, ...unknown } = document as Record<string, unknown>;
  const found: string[] = Object.keys(unknown).map((key) => `unknown field "${key}"`);
  const defaultProblem = toleranceProblem(defaultTolerance);
  if (defaultProblem !== undefined) found.push(`default: ${defaultProblem}`);
  const bySymbol: Record<string, string> = {};
  if (typeof symbols !== 'object' || symbols === null || Array.isArray(symbols)) found.push('symbols must map symbols to tolerances');
  else {
    for (const [symbol, tolerance] of Object.entries(symbols)) {
      const problem = toleranceProblem(tolerance);
      if (!SYMBOL.test(symbol)) found.push(`symbol "${symbol}" is not a symbol in capitals`);
      else if (problem !== undefined) found.push(`${symbol}: ${problem}`);
      else bySymbol[symbol] = String(tolerance);
    }
  }
  if (found.length > 0) {
    problems.push({ variable: ENV.tolerances, value: raw, allowed: `${allowed} (${found.join('; ')})` });
    return fallback;
  }
  return { default: String(defaultTolerance), symbols: bySymbol };
}

function parseInteger(env: NodeJS.ProcessEnv, variable: string, fallback: number, min: number, max: number, problems: ConfigProblem[]): number {
  const raw = env[variable];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (/^\d{1,9}$/.test(raw.trim()) && value >= min && value <= max) return value;
  problems.push({ variable, value: raw, allowed: `a whole number from ${min} to ${max}` });
  return fallback;
}

/**
 * `TICKETING_DISPUTES_TOLERANCES` (per symbol, default 0.5%), `TICKETING_DISPUTES_INDEX_PRICE_WINDOW_MS`
 * (how near the liquidation time an index price must be, default 1000), `TICKETING_DISPUTES_MAX_ROUNDS`
 * (a case and its appeals, default 3), `TICKETING_RECOVERY_RULES` (JSON; defaults: 10% fee, 15–30
 * working days), `TICKETING_SIGNING_KEY_FILE` and `TICKETING_BLOB_STORE` (`file:`, `file:/folder` or
 * `s3://bucket[/prefix][?region=…&endpoint=…&forcePathStyle=true]`). Throws a ConfigError naming every bad variable.
 */
export function disputesSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): DisputesSettings {
  const problems: ConfigProblem[] = [];
  const tolerances = parseTolerances(env[ENV.tolerances], problems);
  const indexPriceWindowMs = parseInteger(env, ENV.indexWindow, 1000, 0, 3_600_000, problems);
  const maxRounds = parseInteger(env, ENV.maxRounds, 3, 1, 10, problems);
  let recovery = parseRecoveryRules(undefined);
  const rawRules = env[ENV.recoveryRules];
  if (rawRules !== undefined && rawRules.trim() !== '') {
    try {
      recovery = parseRecoveryRules(JSON.parse(rawRules));
    } catch (error) {
      problems.push({ variable: ENV.recoveryRules, value: rawRules, allowed: `JSON recovery rules (README, "Wrong-network recovery"): ${(error as Error).message}` });
    }
  }
  const blobStore = parseBlobStoreSetting(env[ENV.blobStore], problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    dispute: {
      toleranceFor: (symbol) => tolerances.symbols[symbol] ?? tolerances.default,
      indexPriceWindowMs,
      maxRounds,
      clockSkewMs: 60_000,
    },
    recovery,
    blobStore,
  };
}
