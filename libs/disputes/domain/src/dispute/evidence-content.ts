import { canonicalJson, type EvidenceKind } from '@ticketing/contracts';
import { DateTime } from 'luxon';
import { parseDecimal } from '../decimal';

/** Largest evidence item, as canonical JSON: a month of fills fits, a file does not (attach it). */
export const MAX_EVIDENCE_BYTES = 1_000_000;
const MAX_DEPTH = 16;
// RFC 3339: hours 00–23 (no 24:00), offsets within ±14:00 (luxon would accept both and move the instant).
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,9})?)?(?:Z|[+-](?:0\d|1[0-4]):[0-5]\d)$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;
/** The largest attachment whose metadata we accept (its bytes are stored apart). */
export const MAX_ATTACHMENT_BYTES = 100 * 1024 * 1024;

/** An ISO 8601 instant with a zone, normalized to UTC; undefined when it is not one (Date.parse would roll 02-30 over to March). */
export function parseInstant(value: unknown): string | undefined {
  if (typeof value !== 'string' || !ISO_INSTANT.test(value)) return undefined;
  const parsed = DateTime.fromISO(value, { setZone: true });
  return parsed.isValid ? parsed.toUTC().toISO() ?? undefined : undefined;
}

type Problems = { field: string; message: string }[];

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Numbers in evidence must be integers a JSON parser keeps exactly; amounts and prices are decimal strings. */
function numberProblems(value: unknown, path: string, depth: number, problems: Problems): void {
  if (problems.length >= 20) return;
  if (depth > MAX_DEPTH) {
    problems.push({ field: path, message: `nested deeper than ${MAX_DEPTH} levels` });
    return;
  }
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) problems.push({ field: path, message: `${value} is not an exact integer: write amounts, prices and rates as decimal strings` });
    return;
  }
  if (Array.isArray(value)) value.forEach((entry, index) => numberProblems(entry, `${path}[${index}]`, depth + 1, problems));
  else if (isPlainObject(value)) for (const [key, entry] of Object.entries(value)) numberProblems(entry, `${path}.${key}`, depth + 1, problems);
}

function decimalField(content: Record<string, unknown>, key: string, problems: Problems, signed = false): void {
  let value = content[key];
  if (signed && typeof value === 'string' && value.startsWith('-')) value = value.slice(1);
  const field = `content.${key}`;
  const parsed = parseDecimal(field, value, { sign: signed ? 'non_negative' : 'positive' });
  if ('problem' in parsed) problems.push({ field, message: parsed.problem.startsWith(`${field} `) ? parsed.problem.slice(field.length + 1) : parsed.problem });
}

function instantField(content: Record<string, unknown>, key: string, problems: Problems): void {
  if (parseInstant(content[key]) === undefined) problems.push({ field: `content.${key}`, message: 'must be an ISO 8601 date-time with a zone, e.g. 2026-12-07T09:30:00Z' });
}

function textField(content: Record<string, unknown>, key: string, max: number, problems: Problems, required = true): void {
  const value = content[key];
  if (value === undefined && !required) return;
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > max) problems.push({ field: `content.${key}`, message: `must be text of 1 to ${max} characters` });
}

function entriesField(content: Record<string, unknown>, key: string, problems: Problems): number {
  const value = content[key];
  if (value === undefined) return 0;
  if (!Array.isArray(value) || value.some((entry) => !isPlainObject(entry))) {
    problems.push({ field: `content.${key}`, message: 'must be a list of objects' });
    return 0;
  }
  return value.length;
}

/** Amount-like fields of trade-log entries: where given as text they must be decimals (a fee may be negative: a rebate). */
const TRADE_LOG_DECIMALS: Readonly<Record<string, 'unsigned' | 'signed'>> = {
  price: 'unsigned',
  quantity: 'unsigned',
  qty: 'unsigned',
  size: 'unsigned',
  amount: 'unsigned',
  ratio: 'unsigned',
  fee: 'signed',
  realizedPnl: 'signed',
};

/** Each order, fill and margin ratio: its amounts decimal strings (or exact integers), its `at` an instant; a margin ratio needs both. */
function tradeLogEntryProblems(content: Record<string, unknown>, problems: Problems): void {
  for (const list of ['orders', 'fills', 'marginRatios'] as const) {
    const entries = (content[list] ?? []) as Record<string, unknown>[];
    entries.forEach((entry, index) => {
      const where = `content.${list}[${index}]`;
      for (const [key, sign] of Object.entries(TRADE_LOG_DECIMALS)) {
        let value = entry[key];
        if (typeof value !== 'string') continue;
        if (sign === 'signed' && value.startsWith('-')) value = value.slice(1);
        const parsed = parseDecimal(`${where}.${key}`, value, { sign: 'non_negative' });
        if ('problem' in parsed) problems.push({ field: `${where}.${key}`, message: parsed.problem.slice(where.length + key.length + 2) });
      }
      if ((entry['at'] !== undefined || list === 'marginRatios') && parseInstant(entry['at']) === undefined) {
        problems.push({ field: `${where}.at`, message: 'must be an ISO 8601 date-time with a zone' });
      }
      if (list === 'marginRatios' && entry['ratio'] === undefined) problems.push({ field: `${where}.ratio`, message: 'is required: the margin ratio as a decimal string' });
    });
  }
}

/** What each kind must carry; anything else an item carries is kept as given. */
const KIND_RULES: Readonly<Record<EvidenceKind, (content: Record<string, unknown>, problems: Problems) => void>> = {
  index_price(content, problems) {
    decimalField(content, 'indexPrice', problems);
    instantField(content, 'at', problems);
  },
  mark_price(content, problems) {
    decimalField(content, 'markPrice', problems);
    instantField(content, 'at', problems);
  },
  funding(content, problems) {
    decimalField(content, 'rate', problems, true);
    instantField(content, 'at', problems);
    if (content['payment'] !== undefined) decimalField(content, 'payment', problems, true);
  },
  trade_log(content, problems) {
    const entries = ['orders', 'fills', 'marginRatios'].reduce((sum, key) => sum + entriesField(content, key, problems), 0);
    if (entries === 0 && problems.length === 0) problems.push({ field: 'content', message: 'a trade log carries at least one of orders, fills or marginRatios (lists of objects)' });
    if (problems.length === 0) tradeLogEntryProblems(content, problems);
  },
  statement(content, problems) {
    textField(content, 'text', 20_000, problems);
  },
  attachment(content, problems) {
    textField(content, 'name', 255, problems);
    if (typeof content['mediaType'] !== 'string' || !MEDIA_TYPE.test(content['mediaType'])) problems.push({ field: 'content.mediaType', message: 'must be a media type such as application/pdf' });
    const size = content['size'];
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0 || size > MAX_ATTACHMENT_BYTES) problems.push({ field: 'content.size', message: `must be the size in bytes, 0 to ${MAX_ATTACHMENT_BYTES}` });
    if (typeof content['sha256'] !== 'string' || !SHA256_HEX.test(content['sha256'])) problems.push({ field: 'content.sha256', message: 'must be the SHA-256 of the bytes, 64 lowercase hex digits' });
  },
};

/** Every problem of an evidence item's content for its kind (empty when it is acceptable); `notAfter` bounds its `at`. */
export function evidenceContentProblems(kind: EvidenceKind, content: unknown, notAfter?: string): Problems {
  if (!isPlainObject(content)) return [{ field: 'content', message: 'must be a JSON object' }];
  const problems: Problems = [];
  numberProblems(content, 'content', 0, problems);
  if (problems.length > 0) return problems;
  KIND_RULES[kind](content, problems);
  // A snapshot, a funding or a fill from the future is no evidence of what happened.
  const at = parseInstant(content['at']);
  if (notAfter !== undefined && at !== undefined && at > notAfter) problems.push({ field: 'content.at', message: `is in the future (${at}; now ${notAfter} allowing for clock skew)` });
  if (problems.length === 0 && Buffer.byteLength(canonicalJson(content), 'utf8') > MAX_EVIDENCE_BYTES) {
    problems.push({ field: 'content', message: `is larger than ${MAX_EVIDENCE_BYTES} bytes as canonical JSON: split it, or attach a file` });
  }
  return problems;
}
