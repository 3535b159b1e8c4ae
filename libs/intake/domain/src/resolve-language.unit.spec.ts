import { LANGUAGES } from '@ticketing/contracts';
import { resolveLanguage } from './resolve-language';

describe('resolveLanguage', () => {
  it('handles the ticket in the language the customer gave, keeping what was detected', () => {
    expect(resolveLanguage('ko', 'ja')).toEqual({ language: 'ko', languageGiven: 'ko', detectedLanguage: 'ja', languageFallback: false });
    expect(resolveLanguage('ko', 'de')).toEqual({ language: 'ko', languageGiven: 'ko', detectedLanguage: 'de', languageFallback: false });
    expect(resolveLanguage('ko', null)).toEqual({ language: 'ko', languageGiven: 'ko', detectedLanguage: null, languageFallback: false });
  });

  it.each(LANGUAGES)('uses a detected %s when nothing was given', (language) => {
    expect(resolveLanguage(null, language)).toEqual({ language, languageGiven: null, detectedLanguage: language, languageFallback: false });
  });

  it('matches detected tags by their primary subtag, whatever the case, and stores them as detected', () => {
    expect(resolveLanguage(null, 'zh-Hant')).toEqual({ language: 'zh', languageGiven: null, detectedLanguage: 'zh-Hant', languageFallback: false });
    expect(resolveLanguage(null, 'PT_br')).toMatchObject({ language: 'en', detectedLanguage: 'PT_br', languageFallback: true });
    expect(resolveLanguage(null, 'RU')).toMatchObject({ language: 'ru', languageFallback: false });
  });

  it.each([['de'], ['fr'], ['uk'], [null], ['  ']])('falls back to en with the flag when %p was detected', (detected) => {
    expect(resolveLanguage(null, detected)).toEqual({
      language: 'en',
      languageGiven: null,
      detectedLanguage: detected === null || detected.trim() === '' ? null : detected,
      languageFallback: true,
    });
  });
});
