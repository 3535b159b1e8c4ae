import { assertNever } from '@ticketing/kernel';
import type { ArticleEvent, Category, Language } from '@ticketing/contracts';

export type ArticleStatus = 'none' | 'draft' | 'published' | 'archived';

export type TranslationState = Readonly<{ title: string; body: string; sourceVersion: number; outdated: boolean }>;

export type ArticleState = Readonly<{
  status: ArticleStatus;
  category: Category | null;
  tags: readonly string[];
  sourceLanguage: Language | null;
  /** Publications so far; the published version readers see. */
  version: number;
  /** Revisions of the source-language text so far: translations record the one they follow. */
  sourceVersion: number;
  translations: Readonly<Partial<Record<Language, TranslationState>>>;
}>;

export const initialArticleState = (): ArticleState => ({
  status: 'none',
  category: null,
  tags: [],
  sourceLanguage: null,
  version: 0,
  sourceVersion: 0,
  translations: {},
});

export function evolveArticle(state: ArticleState, event: ArticleEvent): ArticleState {
  switch (event.type) {
    case 'ArticleDraftCreated':
      return { ...state, status: 'draft', category: event.data.category, tags: event.data.tags, sourceLanguage: event.data.sourceLanguage };
    case 'ArticleTranslationSaved': {
      const { language, title, body, sourceVersion } = event.data;
      const isSource = language === state.sourceLanguage;
      return {
        ...state,
        sourceVersion: isSource ? sourceVersion : state.sourceVersion,
        translations: { ...state.translations, [language]: { title, body, sourceVersion, outdated: false } },
      };
    }
    case 'ArticleTranslationMarkedOutdated': {
      const current = state.translations[event.data.language];
      if (current === undefined) return state;
      return { ...state, translations: { ...state.translations, [event.data.language]: { ...current, outdated: true } } };
    }
    case 'ArticlePublished':
      return { ...state, status: 'published', version: event.data.version };
    case 'ArticleArchived':
      return { ...state, status: 'archived' };
    default:
      return assertNever(event);
  }
}
