import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CATEGORIES, CHANNELS, LANGUAGES, type Category, type Channel, type Language } from '@ticketing/contracts';

/** One customer inquiry with the category a person gave it. */
export type LabelledInquiry = Readonly<{ text: string; subject?: string; channel: Channel; language: Language; category: Category }>;

/** What the classifier reads of a ticket: its subject, if any, then its body. */
export const inquiryText = (inquiry: Readonly<{ subject?: string | null; text: string }>): string =>
  inquiry.subject ? `${inquiry.subject}\n${inquiry.text}` : inquiry.text;

const isOneOf = <T extends string>(values: readonly T[], value: unknown): value is T => typeof value === 'string' && (values as readonly string[]).includes(value);

/**
 * Reads `data/classifier/<category>/<language>.jsonl`. A malformed line stops the load naming its
 * file and line: training on silently skipped data would hide the mistake in the metrics.
 */
export function loadLabelledInquiries(dir: string): LabelledInquiry[] {
  const inquiries: LabelledInquiry[] = [];
  for (const category of readdirSync(dir).sort()) {
    if (!isOneOf(CATEGORIES, category)) throw new Error(`${join(dir, category)}: not a category (${CATEGORIES.join(', ')})`);
    for (const file of jsonlFilesIn(join(dir, category))) inquiries.push(...readInquiries(join(dir, category, file), category));
  }
  return inquiries;
}

/**
 * Reads a flat folder of `*.jsonl` files whose every line names its category (`data/classifier-probe`:
 * inquiries written apart from the training data and never trained on), as strictly as
 * `loadLabelledInquiries`.
 */
export function loadProbeInquiries(dir: string): LabelledInquiry[] {
  return jsonlFilesIn(dir).flatMap((file) => readInquiries(join(dir, file)));
}

const jsonlFilesIn = (dir: string): string[] =>
  readdirSync(dir)
    .filter((name) => name.endsWith('.jsonl'))
    .sort();

/** The inquiries of one JSONL file; `folderCategory`: the category every line must have. */
function readInquiries(path: string, folderCategory?: Category): LabelledInquiry[] {
  const inquiries: LabelledInquiry[] = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((line, index) => {
      if (line.trim() === '') return;
      const where = `${path}:${index + 1}`;
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch (error) {
        throw new Error(`${where}: not JSON (${(error as Error).message})`);
      }
      const { text, subject, channel, language, category } = parsed;
      if (typeof text !== 'string' || text.trim() === '') throw new Error(`${where}: text must be a non-empty string`);
      if (subject !== undefined && typeof subject !== 'string') throw new Error(`${where}: subject must be a string`);
      if (!isOneOf(CHANNELS, channel)) throw new Error(`${where}: channel must be one of ${CHANNELS.join(', ')}`);
      if (!isOneOf(LANGUAGES, language)) throw new Error(`${where}: language must be one of ${LANGUAGES.join(', ')}`);
      if (folderCategory !== undefined && category !== folderCategory) throw new Error(`${where}: category ${String(category)} in the folder of ${folderCategory}`);
      if (!isOneOf(CATEGORIES, category)) throw new Error(`${where}: category must be one of ${CATEGORIES.join(', ')}`);
      inquiries.push({ text, ...(subject ? { subject } : {}), channel, language, category });
    });
  return inquiries;
}

/**
 * The fixed held-out split: an inquiry is in the test set when a seeded digest of its text falls
 * in the last fifth. It depends on nothing but the text, so adding data never moves an old example
 * between train and test, and every tool (eval, bench, the KB's deflection eval) agrees on it.
 */
export function isHeldOut(inquiry: Pick<LabelledInquiry, 'text'>, seed = 'split-2026-12'): boolean {
  const digest = createHash('sha256').update(`${seed}\u0000${inquiry.text}`).digest();
  return digest.readUInt32BE(0) % 5 === 0;
}

export function splitHeldOut<T extends Pick<LabelledInquiry, 'text'>>(inquiries: readonly T[]): Readonly<{ train: T[]; test: T[] }> {
  const train: T[] = [];
  const test: T[] = [];
  for (const inquiry of inquiries) (isHeldOut(inquiry) ? test : train).push(inquiry);
  return { train, test };
}

/**
 * The starter knowledge base's articles as labelled examples, each translation twice: its title
 * (a customer's question, in their words) and its opening (the problem described). They teach the
 * vocabulary of every language for the self-service categories; measured, they add ~5 points of
 * held-out accuracy. None of them is ever in the held-out split, which holds inquiries only.
 */
export function loadArticleExamples(dir: string): LabelledInquiry[] {
  const examples: LabelledInquiry[] = [];
  for (const category of readdirSync(dir).sort()) {
    if (!isOneOf(CATEGORIES, category)) continue;
    for (const file of readdirSync(join(dir, category)).filter((name) => name.endsWith('.json')).sort()) {
      const article = JSON.parse(readFileSync(join(dir, category, file), 'utf8')) as { translations?: Record<string, { title?: unknown; body?: unknown }> };
      for (const [language, translation] of Object.entries(article.translations ?? {})) {
        if (!isOneOf(LANGUAGES, language) || typeof translation.title !== 'string' || typeof translation.body !== 'string') continue;
        examples.push({ text: translation.title, channel: 'web_form', language, category });
        examples.push({ text: translation.body.slice(0, ARTICLE_OPENING_CHARS), channel: 'web_form', language, category });
      }
    }
  }
  return examples;
}

const ARTICLE_OPENING_CHARS = 400;
