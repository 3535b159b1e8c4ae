import { LANGUAGES, type Category, type Language } from '@ticketing/contracts';
import type { IndexedTranslation, StarterArticle } from '@ticketing/kb-feature';

/** Mulberry32: a small seeded PRNG, so the same seed makes the same corpus on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)];

/** The text of `article` in `language`, or its source language's when it has no such translation. */
const textOf = (article: StarterArticle, language: Language) => article.translations[language] ?? article.translations[article.sourceLanguage]!;

const paragraphsOf = (body: string) => body.split(/\n{2,}/).filter((paragraph) => paragraph.trim().length > 0);

/**
 * `count` distinct articles × every language, recombined from the starter articles: each takes its
 * category, tags and title from one article and its body from 3–6 paragraphs of several articles of
 * the same language (shuffled), with a numbered title, so no two are the same text.
 */
export function generateCorpus(starter: readonly StarterArticle[], count: number, seed = 11): IndexedTranslation[] {
  if (starter.length === 0) throw new Error('No starter articles to build a corpus from');
  const random = seededRandom(seed);
  const corpus: IndexedTranslation[] = [];
  for (let index = 0; index < count; index++) {
    const base = pick(random, starter);
    const donors = Array.from({ length: 2 + Math.floor(random() * 3) }, () => pick(random, starter));
    const paragraphCount = 3 + Math.floor(random() * 4);
    const order = Array.from({ length: paragraphCount }, () => random());
    const tags = [...new Set([...base.tags, ...pick(random, donors).tags.slice(0, 2)])];
    for (const language of LANGUAGES) {
      const pool = [base, ...donors].flatMap((article) => paragraphsOf(textOf(article, language).body));
      const body = order.map((choice) => pool[Math.floor(choice * pool.length)]).join('\n\n');
      corpus.push({
        articleId: `gen-${index}-${base.id}`,
        language,
        category: base.category as Category,
        title: `${textOf(base, language).title} (${index + 1})`,
        body,
        tags,
      });
    }
  }
  return corpus;
}
