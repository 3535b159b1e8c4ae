import type { Kysely, Transaction } from 'kysely';
import { KB_EVENT_TYPES, type ArticleEvent } from '@ticketing/contracts';
import { assertNever } from '@ticketing/kernel';
import { defineProjection } from '@ticketing/read-store';

/** An article as its writers see it: status, category, tags, publication count. */
export type ArticleRow = {
  id: string;
  status: string;
  category: string;
  tags: string;
  source_language: string;
  version: number;
  created_at: string;
  updated_at: string;
  published_at: string | null;
};

/** The latest text of each language, published or not. */
export type TranslationRow = {
  article_id: string;
  language: string;
  title: string;
  body: string;
  source_version: number;
  outdated: number;
  saved_at: string;
};

/**
 * What readers see: each language's text as of the article's latest publication. `live` turns 0
 * when the article is archived (the row stays, so the search index learns of the removal);
 * `position` is the global position of the row's last change, which the index catches up from.
 */
export type PublishedRow = {
  article_id: string;
  language: string;
  category: string;
  tags: string;
  title: string;
  body: string;
  version: number;
  outdated: number;
  live: number;
  published_at: string;
  position: number;
};

export type KbArticleTables = { kb_articles: ArticleRow; kb_translations: TranslationRow; kb_published: PublishedRow };

export const KB_ARTICLES_PROJECTION = 'kb-articles';

const ARTICLE_EVENT_TYPES = KB_EVENT_TYPES.filter((type) => type.startsWith('Article'));

type Trx = Transaction<KbArticleTables>;

async function publish(trx: Trx, articleId: string, version: number, publishedAt: string, position: number): Promise<void> {
  const article = await trx.selectFrom('kb_articles').selectAll().where('id', '=', articleId).executeTakeFirstOrThrow();
  await trx.updateTable('kb_articles').set({ status: 'published', version, published_at: publishedAt, updated_at: publishedAt }).where('id', '=', articleId).execute();
  const translations = await trx.selectFrom('kb_translations').selectAll().where('article_id', '=', articleId).execute();
  for (const translation of translations) {
    const row: PublishedRow = {
      article_id: articleId,
      language: translation.language,
      category: article.category,
      tags: article.tags,
      title: translation.title,
      body: translation.body,
      version,
      outdated: translation.outdated,
      live: 1,
      published_at: publishedAt,
      position,
    };
    await trx
      .insertInto('kb_published')
      .values(row)
      .onConflict((conflict) => conflict.columns(['article_id', 'language']).doUpdateSet(row))
      .execute();
  }
}

/** Articles, their working translations and their published text, fed by `article-<id>` streams. */
export const kbArticlesProjection = defineProjection<KbArticleTables, ArticleEvent>({
  name: KB_ARTICLES_PROJECTION,
  version: 1,
  eventTypes: ARTICLE_EVENT_TYPES as ArticleEvent['type'][],
  streamPrefixes: ['article-'],
  tables: ['kb_published', 'kb_translations', 'kb_articles'],
  migrations: {
    '0001-create-kb-articles': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('kb_articles')
          .addColumn('id', 'varchar(128)', (column) => column.primaryKey())
          .addColumn('status', 'varchar(16)', (column) => column.notNull())
          .addColumn('category', 'varchar(32)', (column) => column.notNull())
          .addColumn('tags', 'text', (column) => column.notNull())
          .addColumn('source_language', 'varchar(8)', (column) => column.notNull())
          .addColumn('version', 'integer', (column) => column.notNull())
          .addColumn('created_at', 'varchar(32)', (column) => column.notNull())
          .addColumn('updated_at', 'varchar(32)', (column) => column.notNull())
          .addColumn('published_at', 'varchar(32)')
          .execute();
        await db.schema.createIndex('kb_articles_by_category').on('kb_articles').columns(['category', 'status']).execute();
        await db.schema
          .createTable('kb_translations')
          .addColumn('article_id', 'varchar(128)', (column) => column.notNull())
          .addColumn('language', 'varchar(8)', (column) => column.notNull())
          .addColumn('title', 'text', (column) => column.notNull())
          .addColumn('body', 'text', (column) => column.notNull())
          .addColumn('source_version', 'integer', (column) => column.notNull())
          .addColumn('outdated', 'integer', (column) => column.notNull())
          .addColumn('saved_at', 'varchar(32)', (column) => column.notNull())
          .addPrimaryKeyConstraint('kb_translations_pk', ['article_id', 'language'])
          .execute();
        await db.schema
          .createTable('kb_published')
          .addColumn('article_id', 'varchar(128)', (column) => column.notNull())
          .addColumn('language', 'varchar(8)', (column) => column.notNull())
          .addColumn('category', 'varchar(32)', (column) => column.notNull())
          .addColumn('tags', 'text', (column) => column.notNull())
          .addColumn('title', 'text', (column) => column.notNull())
          .addColumn('body', 'text', (column) => column.notNull())
          .addColumn('version', 'integer', (column) => column.notNull())
          .addColumn('outdated', 'integer', (column) => column.notNull())
          .addColumn('live', 'integer', (column) => column.notNull())
          .addColumn('published_at', 'varchar(32)', (column) => column.notNull())
          .addColumn('position', 'bigint', (column) => column.notNull())
          .addPrimaryKeyConstraint('kb_published_pk', ['article_id', 'language'])
          .execute();
        await db.schema.createIndex('kb_published_by_position').on('kb_published').column('position').execute();
      },
    },
  },
  async apply(trx, event) {
    switch (event.type) {
      case 'ArticleDraftCreated': {
        const { articleId, category, tags, sourceLanguage, createdAt } = event.data;
        await trx
          .insertInto('kb_articles')
          .values({ id: articleId, status: 'draft', category, tags: JSON.stringify(tags), source_language: sourceLanguage, version: 0, created_at: createdAt, updated_at: createdAt, published_at: null })
          .execute();
        return;
      }
      case 'ArticleTranslationSaved': {
        const { articleId, language, title, body, sourceVersion, savedAt } = event.data;
        const row: TranslationRow = { article_id: articleId, language, title, body, source_version: sourceVersion, outdated: 0, saved_at: savedAt };
        await trx
          .insertInto('kb_translations')
          .values(row)
          .onConflict((conflict) => conflict.columns(['article_id', 'language']).doUpdateSet(row))
          .execute();
        await trx.updateTable('kb_articles').set({ updated_at: savedAt }).where('id', '=', articleId).execute();
        return;
      }
      case 'ArticleTranslationMarkedOutdated': {
        const { articleId, language } = event.data;
        await trx.updateTable('kb_translations').set({ outdated: 1 }).where('article_id', '=', articleId).where('language', '=', language).execute();
        // Readers are told too: the published text no longer follows its source.
        await trx
          .updateTable('kb_published')
          .set({ outdated: 1, position: event.globalPosition })
          .where('article_id', '=', articleId)
          .where('language', '=', language)
          .execute();
        return;
      }
      case 'ArticlePublished':
        return publish(trx, event.data.articleId, event.data.version, event.data.publishedAt, event.globalPosition);
      case 'ArticleArchived': {
        const { articleId, archivedAt } = event.data;
        await trx.updateTable('kb_articles').set({ status: 'archived', updated_at: archivedAt }).where('id', '=', articleId).execute();
        await trx.updateTable('kb_published').set({ live: 0, position: event.globalPosition }).where('article_id', '=', articleId).execute();
        return;
      }
      default:
        return assertNever(event);
    }
  },
});
