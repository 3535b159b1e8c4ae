import { SELF_SERVICE_CATEGORIES, type Category } from '@ticketing/contracts';
import { ArticleSearchIndex, tokenize, type IndexedTranslation } from './article-search.index';

const doc = (articleId: string, category: Category, language: IndexedTranslation['language'], title: string, body: string, tags: string[] = []): IndexedTranslation => ({
  articleId,
  category,
  language,
  title,
  body,
  tags,
});

describe('ArticleSearchIndex', () => {
  let index: ArticleSearchIndex;
  beforeEach(() => {
    index = new ArticleSearchIndex();
    index.upsert(doc('reset-2fa', 'account_access', 'en', 'Reset two-factor authentication', 'Lost your phone? Reset the authenticator.', ['2fa']));
    index.upsert(doc('withdrawal-pending', 'withdrawal_issue', 'en', 'Why is my withdrawal pending?', 'Withdrawals wait for review and for the network.'));
    index.upsert(doc('api-errors', 'api_support', 'en', 'API error codes', 'Signature errors and rate limits of the authenticated API.'));
    index.upsert(doc('reset-2fa', 'account_access', 'zh', '重置二次验证', '手机丢失后如何重置谷歌验证器'));
    index.upsert(doc('reset-2fa', 'account_access', 'ja', '二段階認証のリセット', 'スマホを紛失した場合の認証アプリの再設定'));
    index.upsert(doc('reset-2fa', 'account_access', 'ko', '2단계 인증 초기화', '휴대폰을 분실했을 때 OTP 재설정 방법'));
  });

  it('segments zh, ja and ko into words, and runs of Han, kana or Hangul into bigrams too', () => {
    expect(tokenize('重置谷歌验证器', new Intl.Segmenter('zh', { granularity: 'word' }))).toEqual(expect.arrayContaining(['重置', '谷歌', '验证']));
    // Lone particles (を) are dropped.
    expect(tokenize('認証をリセット', new Intl.Segmenter('ja', { granularity: 'word' }))).not.toContain('を');
    expect(tokenize('인증을 초기화', new Intl.Segmenter('ko', { granularity: 'word' }))).toEqual(expect.arrayContaining(['인증을', '인증', '증을', '초기화', '초기']));
  });

  it.each([
    ['zh', '谷歌验证器丢了'],
    ['ja', '認証アプリ 紛失'],
    ['ko', '휴대폰 분실 인증'],
  ] as const)('finds the %s translation for a %s query', (language, query) => {
    expect(index.search(query, { language, limit: 3 }).map((hit) => hit.articleId)).toEqual(['reset-2fa']);
  });

  it('tolerates typos and prefixes in Latin-script words only', () => {
    expect(index.search('authentcation', { language: 'en', limit: 3 })[0]?.articleId).toBe('reset-2fa');
    expect(index.search('withdraw', { language: 'en', limit: 3 })[0]?.articleId).toBe('withdrawal-pending');
    // One wrong character in a Han word is another word: no match.
    expect(index.search('重量', { language: 'zh', limit: 3 })).toEqual([]);
  });

  it('ranks a title match over a body match', () => {
    // "authenticated" is in api-errors' body only, "authentication" in reset-2fa's title: the typo meets both.
    expect(index.search('authenticaton', { language: 'en', limit: 3 }).map((hit) => hit.articleId)).toEqual(['reset-2fa']);
    expect(index.search('signature authentication', { language: 'en', limit: 3 }).map((hit) => hit.articleId)).toEqual(['reset-2fa', 'api-errors']);
  });

  it('keeps to the given categories, and boosts the hinted category by its confidence', () => {
    const selfService = new Set<Category>(SELF_SERVICE_CATEGORIES);
    expect(index.search('withdrawal pending', { language: 'en', categories: selfService, limit: 3 })).toEqual([]);
    const plain = index.search('signature authentication', { language: 'en', limit: 3 });
    const hinted = index.search('signature authentication', { language: 'en', limit: 3, categoryHint: { category: 'api_support', confidence: 0.9 } });
    expect(hinted.find((hit) => hit.articleId === 'reset-2fa')!.score).toBe(plain.find((hit) => hit.articleId === 'reset-2fa')!.score);
    expect(hinted.find((hit) => hit.articleId === 'api-errors')!.score).toBeCloseTo(plain.find((hit) => hit.articleId === 'api-errors')!.score * 1.9, 2);
  });

  it('replaces a translation on upsert and forgets it on remove; searches every language when none is given', () => {
    index.upsert(doc('reset-2fa', 'account_access', 'en', 'Recover your account', 'Lost phone'));
    expect(index.search('two-factor', { language: 'en', limit: 3 }).map((hit) => hit.articleId)).not.toContain('reset-2fa');
    expect(index.search('重置', { limit: 3 }).map((hit) => [hit.articleId, hit.language])).toEqual([['reset-2fa', 'zh']]);
    index.remove('reset-2fa', 'zh');
    expect(index.search('重置', { limit: 3 })).toEqual([]);
    expect(index.search('🙂 ?!', { limit: 3 })).toEqual([]);
  });
});
