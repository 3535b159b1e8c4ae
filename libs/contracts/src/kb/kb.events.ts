import type { Event } from '@ticketing/kernel';
import type { ContextContract } from '../context-contract';
import type { Language } from '../intake/intake.events';
import type { Category } from '../routing/routing.events';

/** A draft article: its category, tags and the language its text is written in first. */
export type ArticleDraftCreated = Event<
  'ArticleDraftCreated',
  { articleId: string; category: Category; tags: readonly string[]; sourceLanguage: Language; createdAt: string }
>;

/**
 * One language's text, new or replacing that language's previous text. `sourceVersion` is the
 * source-language text's version it was written from (its own version when it is the source).
 */
export type ArticleTranslationSaved = Event<
  'ArticleTranslationSaved',
  { articleId: string; language: Language; title: string; body: string; sourceVersion: number; savedAt: string }
>;

/** The source-language text changed after this translation was written: it may no longer say the same. */
export type ArticleTranslationMarkedOutdated = Event<
  'ArticleTranslationMarkedOutdated',
  { articleId: string; language: Language; sourceVersion: number; markedAt: string }
>;

/** The article's current translations become what customers read; `version` counts publications, from 1. */
export type ArticlePublished = Event<'ArticlePublished', { articleId: string; version: number; publishedAt: string }>;

export type ArticleArchived = Event<'ArticleArchived', { articleId: string; archivedAt: string }>;

/** Every event on `article-<id>` streams. */
export type ArticleEvent = ArticleDraftCreated | ArticleTranslationSaved | ArticleTranslationMarkedOutdated | ArticlePublished | ArticleArchived;

/** Articles suggested to a customer before any ticket exists, best first. */
export type KbSuggestionsShown = Event<
  'KbSuggestionsShown',
  { sessionId: string; query: string; language: Language; articleIds: readonly string[]; shownAt: string }
>;

/** The customer opened one of the suggested articles. */
export type KbSuggestionClicked = Event<'KbSuggestionClicked', { sessionId: string; articleId: string; clickedAt: string }>;

/** "Did this help?" on an article read in the session. */
export type KbArticleFeedbackGiven = Event<
  'KbArticleFeedbackGiven',
  { sessionId: string; articleId: string; helpful: boolean; givenAt: string }
>;

/** "This solved it" before any ticket was opened in the session: a deflection. */
export type KbSessionResolved = Event<'KbSessionResolved', { sessionId: string; articleId: string; resolvedAt: string }>;

/** Every event on `kb-session-<sessionId>` streams. */
export type KbSessionEvent = KbSuggestionsShown | KbSuggestionClicked | KbArticleFeedbackGiven | KbSessionResolved;

export type KbEvent = ArticleEvent | KbSessionEvent;

export const KB_EVENT_TYPES = [
  'ArticleDraftCreated',
  'ArticleTranslationSaved',
  'ArticleTranslationMarkedOutdated',
  'ArticlePublished',
  'ArticleArchived',
  'KbSuggestionsShown',
  'KbSuggestionClicked',
  'KbArticleFeedbackGiven',
  'KbSessionResolved',
] as const satisfies readonly KbEvent['type'][];

/** Stream names of the knowledge base. */
export const kbStreams = {
  article: (articleId: string) => `article-${articleId}`,
  session: (sessionId: string) => `kb-session-${sessionId}`,
} as const;

/**
 * The knowledge base owns each article's `article-<id>` stream and each customer support session's
 * `kb-session-<sessionId>` stream (suggestions shown, clicks, feedback, self-resolution); neither
 * is a ticket's, so each is ordered by its own entity.
 */
export const KB_CONTRACT = {
  name: 'kb',
  streamPrefixes: ['article-', 'kb-session-'],
  entityStreams: { 'article-': 'article', 'kb-session-': 'session' },
  eventTypes: KB_EVENT_TYPES,
} as const satisfies ContextContract;
