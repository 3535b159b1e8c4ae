import { Inject, Injectable } from '@nestjs/common';
import type { Kysely } from 'kysely';
import type { Category, Language } from '@ticketing/contracts';
import { READ_STORE, type ReadStore } from '@ticketing/read-store';
import type { KbArticleTables } from '../read-model/kb-articles.projection';
import { ArticleSearchIndex, type ArticleHit, type ArticleSearchOptions } from './article-search.index';
import { KbMetrics } from '../metrics/kb.metrics';

/**
 * The in-memory search index of published translations, kept up to date from the `kb_published`
 * read model: before each search it takes the rows changed since the last one (by global
 * position), so every process (and every replica on PostgreSQL) serves what the read model says,
 * and a restart rebuilds the index from it.
 */
@Injectable()
export class KbSearchService {
  private readonly index = new ArticleSearchIndex();
  private position = -1;
  private refreshing: Promise<void> | undefined;

  constructor(
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    private readonly metrics: KbMetrics,
  ) {}

  async search(query: string, options: ArticleSearchOptions): Promise<ArticleHit[]> {
    await this.refresh();
    const started = performance.now();
    try {
      return this.index.search(query, options);
    } finally {
      this.metrics.searchSeconds.observe((performance.now() - started) / 1000);
    }
  }

  /** Brings the index up to the read model; concurrent callers share one refresh. */
  refresh(): Promise<void> {
    this.refreshing ??= this.catchUp().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async catchUp(): Promise<void> {
    const db = this.readStore.db as Kysely<KbArticleTables>;
    const rows = await db.selectFrom('kb_published').selectAll().where('position', '>', this.position).orderBy('position').execute();
    for (const row of rows) {
      const language = row.language as Language;
      if (row.live === 1) {
        this.index.upsert({
          articleId: row.article_id,
          language,
          category: row.category as Category,
          title: row.title,
          body: row.body,
          tags: JSON.parse(row.tags) as string[],
        });
      } else {
        this.index.remove(row.article_id, language);
      }
      this.position = Math.max(this.position, Number(row.position));
    }
    this.metrics.indexedTranslations.set(this.index.size);
  }
}
