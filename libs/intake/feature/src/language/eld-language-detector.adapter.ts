import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Provider } from '@nestjs/common';
import { LANGUAGE_DETECTOR, type LanguageDetector } from './language-detector.port';

export type EldLanguageDetectorOptions = Readonly<{
  /** Fewer letters than this (any script; codes with digits such as hashes do not count) → null. */
  minLetters: number;
}>;

export const DEFAULT_ELD_OPTIONS: EldLanguageDetectorOptions = { minLetters: 8 };

/** eld's best guess for a sample, and whether eld itself vouches for it (enough n-grams, a clear lead). */
export type LanguageGuess = Readonly<{ language: string; reliable: boolean }>;

const LETTER = /\p{L}/gu;
/**
 * Detection time grows with the text while the answer settles within a few sentences: a 20,000-
 * character body would cost far more for the same verdict as its opening.
 */
const SAMPLE_LENGTH = 1_000;
/** Hashes, addresses, amounts, order ids, "TRC20", "2FA": Latin letters next to digits carry no language. */
const CODE_LIKE = /[A-Za-z0-9]*\d[A-Za-z0-9]*/g;

/** What eld is shown of a text, or null when too few letters are left to tell a language by. */
export function detectionSample(text: string, minLetters: number): string | null {
  const words = (text.length > SAMPLE_LENGTH ? text.slice(0, SAMPLE_LENGTH) : text).replace(CODE_LIKE, ' ');
  return (words.match(LETTER)?.length ?? 0) < minLetters ? null : words;
}

/**
 * The file of eld's entry with its small n-gram database (60 languages). eld is ESM-only and exports
 * its entries to `import` alone, which CommonJS cannot resolve; the file itself loads with require()
 * (Node ≥ 20.19 requires ES modules without top-level await; Jest transforms it, see jest.config.js).
 */
export function eldEntryFile(): string {
  for (const dir of require.resolve.paths('eld') ?? []) {
    const candidate = join(dir, 'eld', 'src', 'entries', 'static.small.js');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('The language detector eld is not installed: run npm install');
}

type Eld = Readonly<{ detect(text: string): Readonly<{ language: string; isReliable(): boolean }> }>;
let loadedEld: Eld | undefined;

/** eld's guess for a sample, on the calling thread (its n-grams load on first use, ~0.3 s). */
export function guessLanguage(sample: string): LanguageGuess {
  // By its file, not by name: see eldEntryFile.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loadedEld ??= (require(eldEntryFile()) as { eld: Eld }).eld;
  const result = loadedEld.detect(sample);
  return { language: result.language, reliable: result.isReliable() };
}

/** The guess when eld vouches for it, else null. */
export const languageVerdict = (guess: LanguageGuess): string | null => (guess.reliable && guess.language !== '' ? guess.language : null);

/**
 * LanguageDetector on eld (Efficient Language Detector: pure JS, offline, 60 languages), on the
 * calling thread. Chosen over tinyld, measured on the 9,952 shipped inquiries: 98.5% against 95.9%
 * right, 0.12 against 0.41 ms a ticket, and 0.05 against 1.8–2.1 ms on a Russian one (tinyld weighs
 * Cyrillic n-grams across every language that shares them).
 */
export class EldLanguageDetector implements LanguageDetector {
  private readonly options: EldLanguageDetectorOptions;

  constructor(options: Partial<EldLanguageDetectorOptions> = {}) {
    this.options = { ...DEFAULT_ELD_OPTIONS, ...options };
  }

  async detect(text: string): Promise<string | null> {
    const sample = detectionSample(text, this.options.minLetters);
    return sample === null ? null : languageVerdict(guessLanguage(sample));
  }
}

/** Binds LANGUAGE_DETECTOR to eld on the calling thread, with the default thresholds. */
export const languageDetectorProvider: Provider = {
  provide: LANGUAGE_DETECTOR,
  useFactory: (): LanguageDetector => new EldLanguageDetector(),
};
