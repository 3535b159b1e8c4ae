import { Injectable, type PipeTransform } from '@nestjs/common';
import { ValidationError } from '@ticketing/kernel';
import { LANGUAGES, type Language } from '@ticketing/contracts';
import { ARTICLE_ID_PATTERN, SESSION_ID_PATTERN } from './kb.dto';

function patternPipe(field: string, pattern: RegExp, message: string) {
  @Injectable()
  class PatternPipe implements PipeTransform<string, string> {
    transform(value: string): string {
      if (!pattern.test(value)) throw new ValidationError(`${field} is not valid: ${message}`, [{ field, message }]);
      return value;
    }
  }
  return PatternPipe;
}

export const ArticleIdPipe = patternPipe('id', ARTICLE_ID_PATTERN, 'a lower-case slug of letters, digits and -, at most 100');
export const SessionIdPipe = patternPipe('sessionId', SESSION_ID_PATTERN, '8–64 letters, digits, _ or -');

@Injectable()
export class LanguagePipe implements PipeTransform<string, Language> {
  transform(value: string): Language {
    if (!(LANGUAGES as readonly string[]).includes(value)) {
      throw new ValidationError(`lang must be one of ${LANGUAGES.join(', ')}`, [{ field: 'lang', message: `one of ${LANGUAGES.join(', ')}` }]);
    }
    return value as Language;
  }
}
