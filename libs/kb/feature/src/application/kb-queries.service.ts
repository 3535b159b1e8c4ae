import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import { NotFoundError } from '@ticketing/kernel';
import type { Category, Language } from '@ticketing/contracts';
import { READ_STORE, type ReadStore } from '@ticketing/read-store';
import type { KbArticleTables } from '../read-model/kb-articles.projection';
import type { KbSessionTables } from '../read-model/kb-sessions.projection';
import { KbMetrics, type DeflectionRates } from '../metrics/kb.metrics';

/** A published article in one language, as anyone may read it. */
export type PublishedArticleView = Readonly<{
  id: string;
  category: Category;
  tags: string[];
  language: Language;
  requestedLanguage: Language;
  fallback: boolean;
  title: string;
  body: string;
  bodyFormat: 'markdown';
  version: number;
  outdated: boolean;
  publishedAt: string;
  availableLanguages: Language[];
}>;

/** An article as its writers see it. */
export type ArticleAdminView = Readonly<{
  id: string;
  status: 'draft' | 'published' | 'archived';
  category: Category;
  tags: string[];
  sourceLanguage: Language;
  version: number;
  translations: { language: Language; title: string; sourceVersion: number; outdated: boolean; savedAt: string }[];
  updatedAt: string;
}>;

export type KbMetricsView = Readonly<{
  sessionsWithSuggestions: number;
  deflectedSessions: number;
  sessionsWithTicket: number;
  deflectionRate: number;
  sessionsWithClick: number;
  clickThroughRate: number;
  notHelpful: { articleId: string; count: number }[];
}>;

const ratio = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((part / whole) * 10_000) / 10_000);

/** Reads of the knowledge base's read models. */
@Injectable()
export class KbQueriesService implements OnModuleInit {
  constructor(
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    private readonly metrics: KbMetrics,
  ) {}

  onModuleInit(): void {
    this.metrics.reportRatesFrom(async (): Promise<DeflectionRates> => this.deflection());
  }

  private get db() {
    return this.readStore.db as Kysely<KbArticleTables & KbSessionTables>;
  }

  /**
   * The published article in `language`; without that translation, in its source language, else
   * English, else any: `fallback` says so. Drafts and archived articles do not exist for readers.
   */
  async published(articleId: string, language: Language): Promise<PublishedArticleView> {
    const rows = await this.db.selectFrom('kb_published').selectAll().where('article_id', '=', articleId).where('live', '=', 1).execute();
    const article = await this.db.selectFrom('kb_articles').select('source_language').where('id', '=', articleId).executeTakeFirst();
    if (rows.length === 0 || article === undefined) throw new NotFoundError(`Article ${articleId} not found`, { articleId });
    const byLanguage = new Map(rows.map((row) => [row.language, row]));
    const row = byLanguage.get(language) ?? byLanguage.get(article.source_language) ?? byLanguage.get('en') ?? rows[0];
    return {
      id: articleId,
      category: row.category as Category,
      tags: JSON.parse(row.tags) as string[],
      language: row.language as Language,
      requestedLanguage: language,
      fallback: row.language !== language,
      title: row.title,
      body: row.body,
      bodyFormat: 'markdown',
      version: row.version,
      outdated: row.outdated === 1,
      publishedAt: row.published_at,
      availableLanguages: rows.map((other) => other.language as Language).sort(),
    };
  }

  async admin(articleId: string): Promise<ArticleAdminView> {
    const article = await this.db.selectFrom('kb_articles').selectAll().where('id', '=', articleId).executeTakeFirst();
    if (article === undefined) throw new NotFoundError(`Article ${articleId} not found`, { articleId });
    const translations = await this.db.selectFrom('kb_translations').selectAll().where('article_id', '=', articleId).orderBy('language').execute();
    return {
      id: article.id,
      status: article.status as ArticleAdminView['status'],
      category: article.category as Category,
      tags: JSON.parse(article.tags) as string[],
      sourceLanguage: article.source_language as Language,
      version: article.version,
      translations: translations.map((row) => ({
        language: row.language as Language,
        title: row.title,
        sourceVersion: row.source_version,
        outdated: row.outdated === 1,
        savedAt: row.saved_at,
      })),
      updatedAt: article.updated_at,
    };
  }

  /** Whether any article was ever written (the starter KB loads only into an empty one). */
  async anyArticle(): Promise<boolean> {
    return (await this.db.selectFrom('kb_articles').select('id').limit(1).executeTakeFirst()) !== undefined;
  }

  private async deflection(): Promise<DeflectionRates> {
    const figures = await this.sessionFigures();
    return { deflectionRate: ratio(figures.deflected, figures.shown), clickThroughRate: ratio(figures.clicked, figures.shown) };
  }

  /**
   * Over sessions shown suggestions: deflected = solved by an article ("this solved it") with no
   * ticket opened in the session, or a ticket of the session self-served (TicketSelfServed).
   */
  private async sessionFigures() {
    const row = await this.db
      .selectFrom('kb_sessions')
      .select([
        sql<number>`count(*)`.as('shown'),
        sql<number>`sum(case when (resolved_at is not null and tickets_opened = 0) or self_served_tickets > 0 then 1 else 0 end)`.as('deflected'),
        sql<number>`sum(case when tickets_opened > 0 then 1 else 0 end)`.as('with_ticket'),
        sql<number>`sum(case when clicks > 0 then 1 else 0 end)`.as('clicked'),
      ])
      .where('shown_at', 'is not', null)
      .executeTakeFirstOrThrow();
    return { shown: Number(row.shown), deflected: Number(row.deflected ?? 0), withTicket: Number(row.with_ticket ?? 0), clicked: Number(row.clicked ?? 0) };
  }

  async metricsView(limit = 10): Promise<KbMetricsView> {
    const figures = await this.sessionFigures();
    const notHelpful = await this.db
      .selectFrom('kb_session_feedback')
      .select(['article_id', sql<number>`count(*)`.as('count')])
      .where('helpful', '=', 0)
      .groupBy('article_id')
      .orderBy(sql`count(*)`, 'desc')
      .orderBy('article_id')
      .limit(limit)
      .execute();
    return {
      sessionsWithSuggestions: figures.shown,
      deflectedSessions: figures.deflected,
      sessionsWithTicket: figures.withTicket,
      deflectionRate: ratio(figures.deflected, figures.shown),
      sessionsWithClick: figures.clicked,
      clickThroughRate: ratio(figures.clicked, figures.shown),
      notHelpful: notHelpful.map((row) => ({ articleId: row.article_id, count: Number(row.count) })),
    };
  }
}
