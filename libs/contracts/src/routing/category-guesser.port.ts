import type { Category } from './routing.events';

/**
 * Guesses the category of a customer's words with routing's classifier. Routing provides it
 * globally where it is composed; the knowledge base injects it optionally to rank suggestions of
 * the likely category first (a process without routing ranks by the text alone).
 */
export interface CategoryGuesser {
  guess(text: string): Promise<Readonly<{ category: Category; confidence: number }>>;
}

export const CATEGORY_GUESSER = Symbol.for('ticketing.CategoryGuesser');
