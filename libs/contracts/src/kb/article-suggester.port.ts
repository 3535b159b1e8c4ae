import type { Language } from '../intake/intake.events';
import type { Category } from '../routing/routing.events';

/** A published article offered to a customer for their problem, best first. */
export type ArticleSuggestion = Readonly<{ id: string; title: string; category: Category; score: number; url: string }>;

export type SuggestionQuery = Readonly<{
  /** The customer's words (subject and body joined), as typed. */
  text: string;
  language: Language;
  /** The customer's support session in the frontend, so shown suggestions count toward deflection. */
  sessionId?: string;
  limit?: number;
  /**
   * The classifier's guess at the problem's category: articles of that category rank higher, by
   * a factor of 1 + confidence (0–1).
   */
  categoryHint?: Readonly<{ category: Category; confidence: number }>;
}>;

/**
 * Suggests knowledge-base articles. The knowledge-base context provides it globally when it is
 * composed in the same process; intake injects it optionally, so a process without the KB opens
 * tickets with no suggestions rather than failing.
 */
export interface ArticleSuggester {
  suggest(query: SuggestionQuery): Promise<readonly ArticleSuggestion[]>;
}

export const ARTICLE_SUGGESTER = Symbol.for('ticketing.ArticleSuggester');
