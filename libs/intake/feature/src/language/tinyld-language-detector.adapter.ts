import type { Provider } from '@nestjs/common';
import { detectAll } from 'tinyld';
import { LANGUAGE_DETECTOR, type LanguageDetector } from './language-detector.port';

export type TinyldLanguageDetectorOptions = Readonly<{
  /** Fewer letters than this (any script; digits, hashes and punctuation do not count) → null. */
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

/** LanguageDetector on tinyld (pure JS, offline, ~60 languages). */
export class TinyldLanguageDetector implements LanguageDetector {
  private readonly options: TinyldLanguageDetectorOptions;

  constructor(options: Partial<TinyldLanguageDetectorOptions> = {}) {
    this.options = { ...DEFAULT_TINYLD_OPTIONS, ...options };
  }

  detect(text: string): string | null {
    if ((text.match(LETTER)?.length ?? 0) < this.options.minLetters) return null;
    const [best, runnerUp] = detectAll(text);
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
