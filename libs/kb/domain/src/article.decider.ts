import { assertNever, ConflictError, IllegalStateError, NotFoundError, ValidationError, type Command, type Decider } from '@ticketing/kernel';
import { LANGUAGES, type ArticleEvent, type ArticleTranslationMarkedOutdated, type Category, type Language } from '@ticketing/contracts';
import { evolveArticle, initialArticleState, type ArticleState } from './article.state';

export const ARTICLE_SCHEMA_VERSION = 1;

export type CreateArticleDraft = Command<
  'CreateArticleDraft',
  { articleId: string; category: Category; tags: readonly string[]; sourceLanguage: Language; now: string }
>;
export type SaveArticleTranslation = Command<
  'SaveArticleTranslation',
  { articleId: string; language: Language; title: string; body: string; now: string }
>;
export type PublishArticle = Command<'PublishArticle', { articleId: string; now: string }>;
export type ArchiveArticle = Command<'ArchiveArticle', { articleId: string; now: string }>;

export type ArticleCommand = CreateArticleDraft | SaveArticleTranslation | PublishArticle | ArchiveArticle;

const event = <E extends ArticleEvent>(type: E['type'], data: E['data']): E => ({ type, schemaVersion: ARTICLE_SCHEMA_VERSION, data }) as E;

function existing(state: ArticleState, articleId: string): void {
  if (state.status === 'none') throw new NotFoundError(`Article ${articleId} not found`, { articleId });
}

function saveTranslation(command: SaveArticleTranslation, state: ArticleState): readonly ArticleEvent[] {
  const { articleId, language, title, body, now } = command.data;
  existing(state, articleId);
  if (state.status === 'archived') throw new IllegalStateError('archived', command.type);
  const previous = state.translations[language];
  const isSource = language === state.sourceLanguage;
  // Saving the same text again (a retried request) changes nothing.
  if (previous !== undefined && previous.title === title && previous.body === body && (isSource || previous.sourceVersion === state.sourceVersion)) return [];
  if (!isSource) {
    return [event('ArticleTranslationSaved', { articleId, language, title, body, sourceVersion: state.sourceVersion, savedAt: now })];
  }
  const sourceVersion = state.sourceVersion + 1;
  // Every other translation was written from the text this one replaces: it may no longer say the same.
  const outdated = LANGUAGES.filter((other) => other !== language && state.translations[other] !== undefined && !state.translations[other]!.outdated).map(
    (other) => event<ArticleTranslationMarkedOutdated>('ArticleTranslationMarkedOutdated', { articleId, language: other, sourceVersion, markedAt: now }),
  );
  return [event('ArticleTranslationSaved', { articleId, language, title, body, sourceVersion, savedAt: now }), ...outdated];
}

function publish(command: PublishArticle, state: ArticleState): readonly ArticleEvent[] {
  const { articleId, now } = command.data;
  existing(state, articleId);
  if (state.status === 'archived') throw new IllegalStateError('archived', command.type);
  if (state.sourceLanguage === null || state.translations[state.sourceLanguage] === undefined) {
    throw new ValidationError(`Article ${articleId} has no ${state.sourceLanguage} text yet: write its source language first`, [
      { field: 'translations', message: `the source language (${state.sourceLanguage}) has no title and body` },
    ]);
  }
  return [event('ArticlePublished', { articleId, version: state.version + 1, publishedAt: now })];
}

export function decideArticle(command: ArticleCommand, state: ArticleState): readonly ArticleEvent[] {
  switch (command.type) {
    case 'CreateArticleDraft': {
      const { articleId, category, tags, sourceLanguage, now } = command.data;
      if (state.status !== 'none') throw new ConflictError(`Article ${articleId} already exists`, { articleId });
      return [event('ArticleDraftCreated', { articleId, category, tags: [...new Set(tags)], sourceLanguage, createdAt: now })];
    }
    case 'SaveArticleTranslation':
      return saveTranslation(command, state);
    case 'PublishArticle':
      return publish(command, state);
    case 'ArchiveArticle':
      existing(state, command.data.articleId);
      if (state.status === 'archived') throw new IllegalStateError('archived', command.type);
      return [event('ArticleArchived', { articleId: command.data.articleId, archivedAt: command.data.now })];
    default:
      return assertNever(command);
  }
}

/** The write model of `article-<id>`: draft → published (versions) → archived, one translation per language. */
export const articleDecider: Decider<ArticleState, ArticleCommand, ArticleEvent> = {
  initialState: initialArticleState,
  evolve: evolveArticle,
  decide: decideArticle,
};
