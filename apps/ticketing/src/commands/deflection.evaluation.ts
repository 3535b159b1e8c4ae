import { SELF_SERVICE_CATEGORIES, type Category } from '@ticketing/contracts';
import { ArticleSearchIndex, readStarterArticles } from '@ticketing/kb-feature';
import type { HeldOutEvaluation } from '@ticketing/routing-feature';

export type DeflectionEvaluation = Readonly<{
  inquiries: number;
  /** Share of self-service inquiries with an article of their category among the top 3, searching the text alone. */
  top3ByText: number;
  /** The same with the classifier's category as a ranking hint, as suggestions are made. */
  top3WithHint: number;
  articles: number;
}>;

export const DEFLECTION_TARGET = 0.7;

const SELF_SERVICE: ReadonlySet<Category> = new Set(SELF_SERVICE_CATEGORIES);

/**
 * The knowledge base's deflection target on the classifier's held-out split: for each held-out
 * inquiry of a self-service category, is an article of its category among the 3 suggested in its
 * language? The starter KB is the corpus, searched as `GET /v1/kb/suggest` searches it.
 */
export async function evaluateDeflection(evaluation: Pick<HeldOutEvaluation, 'verdicts'>, kbDir: string): Promise<DeflectionEvaluation> {
  const articles = await readStarterArticles(kbDir);
  const index = new ArticleSearchIndex();
  for (const article of articles) {
    for (const [language, translation] of Object.entries(article.translations)) {
      if (translation) index.upsert({ articleId: article.id, language: language as never, category: article.category, title: translation.title, body: translation.body, tags: article.tags });
    }
  }
  let byText = 0;
  let withHint = 0;
  const selfService = evaluation.verdicts.filter(({ inquiry }) => SELF_SERVICE.has(inquiry.category));
  for (const { inquiry, verdict } of selfService) {
    const text = inquiry.subject ? `${inquiry.subject}\n${inquiry.text}` : inquiry.text;
    const options = { language: inquiry.language, categories: SELF_SERVICE, limit: 3 } as const;
    if (index.search(text, options).some((hit) => hit.category === inquiry.category)) byText++;
    const hinted = index.search(text, { ...options, categoryHint: { category: verdict.category, confidence: verdict.confidence } });
    if (hinted.some((hit) => hit.category === inquiry.category)) withHint++;
  }
  const share = (count: number) => (selfService.length === 0 ? 0 : count / selfService.length);
  return { inquiries: selfService.length, top3ByText: share(byText), top3WithHint: share(withHint), articles: articles.length };
}

export function renderDeflection(deflection: DeflectionEvaluation, inquiries = 'held-out'): string {
  const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
  return [
    `knowledge base (${deflection.articles} starter articles): an article of the right category in the top 3 suggestions for ${deflection.inquiries} ${inquiries} self-service inquiries`,
    `  by the text alone ${percent(deflection.top3ByText)}; with the classifier's category as ranking hint (as suggestions are served where routing runs in the process) ${percent(deflection.top3WithHint)}`,
    `  target >= ${percent(DEFLECTION_TARGET)}: ${deflection.top3WithHint >= DEFLECTION_TARGET ? 'MET' : 'NOT MET'}`,
  ].join('\n');
}
