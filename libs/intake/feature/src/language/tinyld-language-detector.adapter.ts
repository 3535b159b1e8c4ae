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

const LETTER = /\p{L}/gu;
/**
 * Detection time grows with the text while the answer settles within a few sentences: a 20,000-
 * character body would cost ~1.5 ms of the event loop for the same verdict as its opening.
 */
const SAMPLE_LENGTH = 1_000;
/** Hashes, addresses, amounts, order ids, "TRC20", "2FA": Latin letters next to digits carry no language. */
const CODE_LIKE = /[A-Za-z0-9]*\d[A-Za-z0-9]*/g;

/** LanguageDetector on tinyld (pure JS, offline, ~60 languages). */
export class TinyldLanguageDetector implements LanguageDetector {
  private readonly options: TinyldLanguageDetectorOptions;

  constructor(options: Partial<TinyldLanguageDetectorOptions> = {}) {
    this.options = { ...DEFAULT_TINYLD_OPTIONS, ...options };
  }

  detect(text: string): string | null {
    const words = (text.length > SAMPLE_LENGTH ? text.slice(0, SAMPLE_LENGTH) : text).replace(CODE_LIKE, ' ');
    if ((words.match(LETTER)?.length ?? 0) < this.options.minLetters) return null;
    const [best, runnerUp] = detectAll(words);
    if (best === undefined || best.lang === '' || best.accuracy < this.options.minAccuracy) return null;
    if (runnerUp !== undefined && best.accuracy < runnerUp.accuracy * this.options.minLead) return null;
    return best.lang;
  }
}

/** Binds LANGUAGE_DETECTOR to tinyld with the default thresholds. */
export const languageDetectorProvider: Provider = {
  provide: LANGUAGE_DETECTOR,
  useFactory: (): LanguageDetector => new TinyldLanguageDetector(),
};
