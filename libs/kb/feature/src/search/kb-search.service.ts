import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Kysely } from 'kysely';
import type { Category, Language } from '@ticketing/contracts';
import { CLOCK, type Clock } from '@ticketing/kernel';
import { PROJECTION_RUNNER, READ_STORE, type ProjectionRunner, type ReadStore } from '@ticketing/read-store';
import { KB_ARTICLES_PROJECTION, type KbArticleTables } from '../read-model/kb-articles.projection';
import { ArticleSearchIndex, type ArticleHit, type ArticleSearchOptions } from './article-search.index';
import { KbMetrics } from '../metrics/kb.metrics';

/** Translations indexed between two turns of the event loop. */
const INDEX_SLICE = 100;
/**
 * While this process's own kb-articles checkpoint stands still, the read model is asked again only
 * this often: the rows another replica's runner commits show within it, this process's at once.
 */
const REMOTE_CHANGES_WITHIN_MS = 1_000;

/**
 * The in-memory search index of published translations, kept up to date from the `kb_published`
 * read model: before each search it takes the rows changed since the last one (by global
 * position), so every process (and every replica on PostgreSQL) serves what the read model says,
 * and a restart rebuilds the index from it.
 */
@Injectable()
export class KbSearchService implements OnApplicationBootstrap {
  private readonly index = new ArticleSearchIndex();
  private position = -1;
  private refreshing: Promise<void> | undefined;
  /** The local checkpoint and the time of the last read of the read model. */
  private lastRead: Readonly<{ checkpoint: number | undefined; at: number }> | undefined;

  constructor(
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    private readonly metrics: KbMetrics,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Builds the index as the process starts, not on the first customer's search. */
  onApplicationBootstrap(): void {
    void this.refresh().catch(() => undefined);
  }

  async search(query: string, options: ArticleSearchOptions): Promise<ArticleHit[]> {
    await this.refresh();
    const started = performance.now();
    try {
      return this.index.search(query, options);
    } finally {
      this.metrics.searchSeconds.observe((performance.now() - started) / 1000);
    }
  }

  /**
   * Brings the index up to the read model; concurrent callers share one refresh. Skipped while
   * nothing can have changed (a query per customer search cost 5% of the HTTP thread at load).
   */
  refresh(): Promise<void> {
    if (this.refreshing) return this.refreshing;
    const checkpoint = this.projections.checkpointOf(KB_ARTICLES_PROJECTION);
    const now = this.clock.now().getTime();
    const last = this.lastRead;
    if (last !== undefined && checkpoint !== undefined && last.checkpoint === checkpoint && now - last.at < REMOTE_CHANGES_WITHIN_MS) return Promise.resolve();
    this.refreshing = this.catchUp(checkpoint, now).finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async catchUp(checkpoint: number | undefined, now: number): Promise<void> {
    // `checkpoint` was taken before the query, so rows committed during it are read again next time; a failed read is retried.
    this.lastRead = undefined;
    const db = this.readStore.db as Kysely<KbArticleTables>;
    const rows = await db.selectFrom('kb_published').selectAll().where('position', '>', this.position).orderBy('position').execute();
    for (const [index, row] of rows.entries()) {
      // Indexing 2,000 articles × 8 languages takes seconds: let the event loop serve requests in between.
      if (index > 0 && index % INDEX_SLICE === 0) await yieldToEventLoop();
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
    this.lastRead = { checkpoint, at: now };
  }
}
