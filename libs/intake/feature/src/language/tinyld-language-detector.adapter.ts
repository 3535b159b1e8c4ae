import type { Provider } from '@nestjs/common';
import { detectAll } from 'tinyld';
import { LANGUAGE_DETECTOR, type LanguageDetector } from './language-detector.port';

export type TinyldLanguageDetectorOptions = Readonly<{
  /** Fewer letters than this (any script; codes with digits such as hashes do not count) → null. */
  minLetters: number;
  /** tinyld's accuracy of the best guess must reach this (1 when it is sure). */
  minAccuracy: number;
  /** The best guess must be this many times as likely as the runner-up (e.g. ru against uk). */
  minLead: number;
}>;

/**
 * Chosen on support-ticket samples: confident texts score 1, short ones ("ok thanks", "hi", a lone
 * tx hash) score below 0.2, and Cyrillic texts full of tickers score ~0.3 with a 2x lead over uk.
 */
export const DEFAULT_TINYLD_OPTIONS: TinyldLanguageDetectorOptions = { minLetters: 8, minAccuracy: 0.2, minLead: 1.5 };

/** tinyld's best guesses, best first (the two best are all a verdict looks at). */
export type RankedLanguages = readonly Readonly<{ lang: string; accuracy: number }>[];

const LETTER = /\p{L}/gu;
/**
 * Detection time grows with the text while the answer settles within a few sentences: a 20,000-
 * character body would cost ~1.5 ms for the same verdict as its opening.
 */
const SAMPLE_LENGTH = 1_000;
/** Hashes, addresses, amounts, order ids, "TRC20", "2FA": Latin letters next to digits carry no language. */
const CODE_LIKE = /[A-Za-z0-9]*\d[A-Za-z0-9]*/g;

/** What tinyld is shown of a text, or null when too few letters are left to tell a language by. */
export function detectionSample(text: string, minLetters: number): string | null {
  const words = (text.length > SAMPLE_LENGTH ? text.slice(0, SAMPLE_LENGTH) : text).replace(CODE_LIKE, ' ');
  return (words.match(LETTER)?.length ?? 0) < minLetters ? null : words;
}

/** tinyld's two best guesses for a sample. */
export const rankLanguages = (sample: string): RankedLanguages => detectAll(sample).slice(0, 2);

/** The best guess when it is accurate enough and far enough ahead of the runner-up, else null. */
export function languageVerdict([best, runnerUp]: RankedLanguages, options: TinyldLanguageDetectorOptions): string | null {
  if (best === undefined || best.lang === '' || best.accuracy < options.minAccuracy) return null;
  if (runnerUp !== undefined && best.accuracy < runnerUp.accuracy * options.minLead) return null;
  return best.lang;
}

/** LanguageDetector on tinyld (pure JS, offline, ~60 languages), on the calling thread. */
export class TinyldLanguageDetector implements LanguageDetector {
  private readonly options: TinyldLanguageDetectorOptions;

  constructor(options: Partial<TinyldLanguageDetectorOptions> = {}) {
    this.options = { ...DEFAULT_TINYLD_OPTIONS, ...options };
  }

  async detect(text: string): Promise<string | null> {
    const sample = detectionSample(text, this.options.minLetters);
    return sample === null ? null : languageVerdict(rankLanguages(sample), this.options);
  }
}

/** Binds LANGUAGE_DETECTOR to tinyld on the calling thread, with the default thresholds. */
export const languageDetectorProvider: Provider = {
  provide: LANGUAGE_DETECTOR,
  useFactory: (): LanguageDetector => new TinyldLanguageDetector(),
};
