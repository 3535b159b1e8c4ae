import { LANGUAGES, type Language } from '@ticketing/contracts';

/** What a ticket records about its language (the language fields of TicketOpened). */
export type LanguageResolution = Readonly<{
  language: Language;
  languageGiven: Language | null;
  detectedLanguage: string | null;
  languageFallback: boolean;
}>;

/** The language used when neither the given nor the detected one is supported. */
export const FALLBACK_LANGUAGE: Language = 'en';

export const isSupportedLanguage = (code: string): code is Language => (LANGUAGES as readonly string[]).includes(code);

/** `zh-Hans`, `ZH`, `pt_BR` → `zh`, `zh`, `pt`: the ISO 639-1 part of a tag, lower-cased. */
const primarySubtag = (tag: string): string => tag.trim().split(/[-_]/)[0].toLowerCase();

/**
 * The customer's language wins; else the detected one if support is staffed for it; else en with
 * `languageFallback`. Both inputs are kept as they came (detected: any ISO 639-1 code or null).
 */
export function resolveLanguage(given: Language | null, detected: string | null): LanguageResolution {
  const detectedLanguage = detected === null || detected.trim() === '' ? null : detected.trim();
  if (given !== null) return { language: given, languageGiven: given, detectedLanguage, languageFallback: false };
  const candidate = detectedLanguage === null ? null : primarySubtag(detectedLanguage);
  if (candidate !== null && isSupportedLanguage(candidate)) {
    return { language: candidate, languageGiven: null, detectedLanguage, languageFallback: false };
  }
  return { language: FALLBACK_LANGUAGE, languageGiven: null, detectedLanguage, languageFallback: true };
}
