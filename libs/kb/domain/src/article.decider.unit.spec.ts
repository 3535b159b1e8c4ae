import { ConflictError, IllegalStateError, NotFoundError, ValidationError } from '@ticketing/kernel';
import type { ArticleEvent } from '@ticketing/contracts';
import { deciderSpec } from '@ticketing/testing';
import { articleDecider } from './article.decider';

const spec = deciderSpec(articleDecider);
const ID = 'a-1';
const T0 = '2026-12-01T10:00:00.000Z';
const T1 = '2026-12-01T11:00:00.000Z';

const drafted: ArticleEvent = {
  type: 'ArticleDraftCreated',
  schemaVersion: 1,
  data: { articleId: ID, category: 'account_access', tags: ['2fa'], sourceLanguage: 'en', createdAt: T0 },
};
const saved = (language: 'en' | 'zh' | 'ja', title: string, sourceVersion: number, at = T0): ArticleEvent => ({
  type: 'ArticleTranslationSaved',
  schemaVersion: 1,
  data: { articleId: ID, language, title, body: `${title} body`, sourceVersion, savedAt: at },
});
const published = (version: number, at = T0): ArticleEvent => ({ type: 'ArticlePublished', schemaVersion: 1, data: { articleId: ID, version, publishedAt: at } });
const archived: ArticleEvent = { type: 'ArticleArchived', schemaVersion: 1, data: { articleId: ID, archivedAt: T1 } };
const save = (language: 'en' | 'zh' | 'ja', title: string, now = T0) =>
  ({ type: 'SaveArticleTranslation', data: { articleId: ID, language, title, body: `${title} body`, now } }) as const;

describe('article decider', () => {
  it('creates a draft with its category, tags (once each) and source language', () => {
    spec
      .given([])
      .when({ type: 'CreateArticleDraft', data: { articleId: ID, category: 'account_access', tags: ['2fa', '2fa'], sourceLanguage: 'en', now: T0 } })
      .then([drafted]);
  });

  it('refuses a second draft with the same id', () => {
    spec
      .given([drafted])
      .when({ type: 'CreateArticleDraft', data: { articleId: ID, category: 'api_support', tags: [], sourceLanguage: 'en', now: T0 } })
      .thenThrows(ConflictError);
  });

  it('writes the source text as its version 1, a translation as following the current source version', () => {
    spec.given([drafted]).when(save('en', 'Reset 2FA')).then([saved('en', 'Reset 2FA', 1)]);
    spec.given([drafted, saved('en', 'Reset 2FA', 1)]).when(save('zh', '重置 2FA')).then([saved('zh', '重置 2FA', 1)]);
  });

  it('marks every other translation outdated when the source text changes after it', () => {
    spec
      .given([drafted, saved('en', 'Reset 2FA', 1), saved('zh', '重置', 1), saved('ja', 'リセット', 1)])
      .when(save('en', 'Reset two-factor authentication', T1))
      .then([
        saved('en', 'Reset two-factor authentication', 2, T1),
        { type: 'ArticleTranslationMarkedOutdated', schemaVersion: 1, data: { articleId: ID, language: 'zh', sourceVersion: 2, markedAt: T1 } },
        { type: 'ArticleTranslationMarkedOutdated', schemaVersion: 1, data: { articleId: ID, language: 'ja', sourceVersion: 2, markedAt: T1 } },
      ]);
  });

  it('clears a translation’s outdated flag when it is written again from the new source', () => {
    const outdated: ArticleEvent = { type: 'ArticleTranslationMarkedOutdated', schemaVersion: 1, data: { articleId: ID, language: 'zh', sourceVersion: 2, markedAt: T1 } };
    const state = [drafted, saved('en', 'A', 1), saved('zh', 'Z', 1), saved('en', 'B', 2), outdated];
    // The same words as before, now checked against source version 2: saved again, no longer outdated.
    spec.given(state).when(save('zh', 'Z', T1)).then([saved('zh', 'Z', 2, T1)]);
    // Nothing to mark: the only other translation is outdated already.
    spec.given(state).when(save('en', 'C', T1)).then([saved('en', 'C', 3, T1)]);
  });

  it('decides nothing when the same text is saved again', () => {
    spec.given([drafted, saved('en', 'A', 1)]).when(save('en', 'A')).thenNothingHappens();
  });

  it('publishes versions 1, 2, … and refuses to publish without the source text', () => {
    spec.given([drafted]).when({ type: 'PublishArticle', data: { articleId: ID, now: T0 } }).thenThrows(ValidationError);
    spec.given([drafted, saved('zh', 'Z', 0)]).when({ type: 'PublishArticle', data: { articleId: ID, now: T0 } }).thenThrows(ValidationError);
    spec.given([drafted, saved('en', 'A', 1)]).when({ type: 'PublishArticle', data: { articleId: ID, now: T0 } }).then([published(1)]);
    spec.given([drafted, saved('en', 'A', 1), published(1), saved('en', 'B', 2)]).when({ type: 'PublishArticle', data: { articleId: ID, now: T1 } }).then([published(2, T1)]);
  });

  it('archives a draft or a published article, once; an archived article takes no more text or publication', () => {
    spec.given([drafted, saved('en', 'A', 1), published(1)]).when({ type: 'ArchiveArticle', data: { articleId: ID, now: T1 } }).then([archived]);
    spec.given([drafted, archived]).when({ type: 'ArchiveArticle', data: { articleId: ID, now: T1 } }).thenThrows(IllegalStateError);
    spec.given([drafted, saved('en', 'A', 1), archived]).when(save('en', 'B')).thenThrows(IllegalStateError, (error) => expect(error.state).toBe('archived'));
    spec.given([drafted, saved('en', 'A', 1), archived]).when({ type: 'PublishArticle', data: { articleId: ID, now: T1 } }).thenThrows(IllegalStateError);
  });

  it('knows no article that was never drafted', () => {
    spec.given([]).when(save('en', 'A')).thenThrows(NotFoundError);
    spec.given([]).when({ type: 'PublishArticle', data: { articleId: ID, now: T0 } }).thenThrows(NotFoundError);
    spec.given([]).when({ type: 'ArchiveArticle', data: { articleId: ID, now: T0 } }).thenThrows(NotFoundError);
  });
});
