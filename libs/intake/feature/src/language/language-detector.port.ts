/**
 * Detects the language a customer wrote in. Resolves to an ISO 639-1 code (any language, not only
 * the eight supported ones: `resolveLanguage` decides the fallback), or null when the text is too
 * short or the guess too uncertain to trust. Callers pass subject and body joined by a newline.
 */
export interface LanguageDetector {
  detect(text: string): Promise<string | null>;
}

export const LANGUAGE_DETECTOR = Symbol('LanguageDetector');
