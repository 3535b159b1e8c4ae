import { Inject, Injectable, Optional } from '@nestjs/common';
import { systemActor, newId } from '@ticketing/kernel';
import { CATEGORY_GUESSER, SELF_SERVICE_CATEGORIES, type ArticleSuggester, type CategoryGuesser, type ArticleSuggestion, type Category, type SuggestionQuery } from '@ticketing/contracts';
import { KbSearchService } from '../search/kb-search.service';
import { KbMetrics } from '../metrics/kb.metrics';
import { KbCommandsService, type KbCommandContext } from './kb-commands.service';
import { SESSION_ID_PATTERN } from '../http/kb.dto';

/** At most this many articles are suggested for one problem. */
export const MAX_SUGGESTIONS = 3;

const SELF_SERVICE: ReadonlySet<Category> = new Set(SELF_SERVICE_CATEGORIES);

/** Where a reader finds an article in a language. */
export const articleUrl = (articleId: string, language: string) => `/v1/kb/articles/${encodeURIComponent(articleId)}?lang=${language}`;

/**
 * Suggests articles of self-service categories only (a withdrawal, a hack or a liquidation always
 * needs a person), and records what a session was shown so deflection can be measured. It is the
 * ArticleSuggester other contexts (intake) inject when the knowledge base runs in their process.
 */
@Injectable()
export class KbSuggestionsService implements ArticleSuggester {
  constructor(
    private readonly search: KbSearchService,
    private readonly commands: KbCommandsService,
    private readonly metrics: KbMetrics,
    // Where routing runs in the same process, its classifier's guess ranks the likely category first (measured: +6 points top-3).
    @Optional() @Inject(CATEGORY_GUESSER) private readonly guesser?: CategoryGuesser,
  ) {}

  suggest(query: SuggestionQuery): Promise<readonly ArticleSuggestion[]> {
    return this.suggestFor(query, { actor: systemActor('kb'), correlationId: newId() });
  }

  async suggestFor(query: SuggestionQuery, context: KbCommandContext): Promise<ArticleSuggestion[]> {
    const limit = Math.max(0, Math.min(MAX_SUGGESTIONS, query.limit ?? MAX_SUGGESTIONS));
    const categoryHint = query.categoryHint ?? (await this.guesser?.guess(query.text).catch(() => undefined));
    const hits = await this.search.search(query.text, { language: query.language, categories: SELF_SERVICE, categoryHint, limit });
    this.metrics.suggestions.inc({ language: query.language });
    const suggestions = hits.map((hit) => ({ id: hit.articleId, title: hit.title, category: hit.category, score: hit.score, url: articleUrl(hit.articleId, hit.language) }));
    if (query.sessionId !== undefined && SESSION_ID_PATTERN.test(query.sessionId) && suggestions.length > 0) {
      await this.commands.showSuggestions(
        { sessionId: query.sessionId, query: query.text.slice(0, 500), language: query.language, articleIds: suggestions.map((suggestion) => suggestion.id) },
        context,
      );
    }
    return suggestions;
  }
}
