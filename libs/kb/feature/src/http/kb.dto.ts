import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, IsBoolean, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { CATEGORIES, LANGUAGES, type Category, type Language } from '@ticketing/contracts';

/** Article ids: a lower-case slug (`reset-2fa-lost-phone`) or a UUID. */
export const ARTICLE_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,99}$/;
export const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
export const MAX_TITLE_LENGTH = 200;
/** About 60 KB of text: far beyond any article, well below the request body limit. */
export const MAX_BODY_LENGTH = 60_000;
export const MAX_QUERY_LENGTH = 500;
const TAG_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N} ._-]{0,39}$/u;

const ARTICLE_ID = { pattern: ARTICLE_ID_PATTERN.source, maxLength: 100 } as const;
const INSTANT = { format: 'date-time', maxLength: 35 } as const;
const COUNT = { type: 'integer', format: 'int32', minimum: 0, maximum: 2_147_483_647 } as const;
const TAGS = { type: 'array', maxItems: 20, items: { type: 'string', maxLength: 40 } } as const;

export class CreateArticleRequest {
  @ApiPropertyOptional({ ...ARTICLE_ID, description: 'A lower-case slug; a UUID is made when absent' })
  @IsOptional()
  @Matches(ARTICLE_ID_PATTERN, { message: 'id is a lower-case slug of letters, digits and -, at most 100' })
  id?: string;
  @ApiProperty({ enum: CATEGORIES }) @IsIn(CATEGORIES) category!: Category;
  @ApiProperty({ ...TAGS, description: 'Words searched besides title and body (any language)' })
  @ArrayMaxSize(20)
  @Matches(TAG_PATTERN, { each: true, message: 'each tag is 1–40 letters, digits, spaces, . _ or -' })
  tags!: string[];
  @ApiProperty({ enum: LANGUAGES, description: 'The language written first; changing its text marks the other translations outdated' })
  @IsIn(LANGUAGES)
  sourceLanguage!: Language;
}

export class SaveTranslationRequest {
  @ApiProperty({ minLength: 1, maxLength: MAX_TITLE_LENGTH }) @IsString() @Length(1, MAX_TITLE_LENGTH) title!: string;
  @ApiProperty({ minLength: 1, maxLength: MAX_BODY_LENGTH, description: 'Markdown, stored verbatim (HTML in it included); rendered by clients with raw HTML escaped' })
  @IsString()
  @Length(1, MAX_BODY_LENGTH)
  body!: string;
}

export class ArticleQuery {
  @ApiPropertyOptional({ enum: LANGUAGES, default: 'en' }) @IsOptional() @IsIn(LANGUAGES) lang?: Language;
}

export class SearchArticlesQuery {
  @ApiProperty({ minLength: 1, maxLength: MAX_QUERY_LENGTH, description: 'Words to look for' })
  @IsString()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @Length(1, MAX_QUERY_LENGTH)
  q!: string;
  @ApiPropertyOptional({ enum: LANGUAGES, description: 'Search this language only; absent = every language' }) @IsOptional() @IsIn(LANGUAGES) lang?: Language;
  @ApiPropertyOptional({ enum: CATEGORIES }) @IsOptional() @IsIn(CATEGORIES) category?: Category;
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100) limit?: number;
}

export class SuggestQuery {
  @ApiProperty({ minLength: 1, maxLength: MAX_QUERY_LENGTH, description: 'The customer’s words, as typed' })
  @IsString()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @Length(1, MAX_QUERY_LENGTH)
  q!: string;
  @ApiProperty({ enum: LANGUAGES }) @IsIn(LANGUAGES) lang!: Language;
  @ApiPropertyOptional({ pattern: SESSION_ID_PATTERN.source, maxLength: 64, description: 'The frontend’s support session: suggestions shown in it count toward deflection' })
  @IsOptional()
  @Matches(SESSION_ID_PATTERN, { message: 'sessionId is 8–64 letters, digits, _ or -' })
  sessionId?: string;
}

export class SessionArticleRequest {
  @ApiProperty(ARTICLE_ID) @Matches(ARTICLE_ID_PATTERN, { message: 'articleId is an article id' }) articleId!: string;
}

export class FeedbackRequest extends SessionArticleRequest {
  @ApiProperty({ description: 'false: "this didn’t help"' }) @IsBoolean() helpful!: boolean;
}

export class TranslationSummaryResponse {
  @ApiProperty({ enum: LANGUAGES }) language!: Language;
  @ApiProperty({ maxLength: MAX_TITLE_LENGTH }) title!: string;
  @ApiProperty({ ...COUNT, description: 'The source text’s version it was written from' }) sourceVersion!: number;
  @ApiProperty({ description: 'The source text changed after it was written' }) outdated!: boolean;
  @ApiProperty(INSTANT) savedAt!: string;
}

export class ArticleAdminResponse {
  @ApiProperty(ARTICLE_ID) id!: string;
  @ApiProperty({ enum: ['draft', 'published', 'archived'] }) status!: 'draft' | 'published' | 'archived';
  @ApiProperty({ enum: CATEGORIES }) category!: Category;
  @ApiProperty(TAGS) tags!: string[];
  @ApiProperty({ enum: LANGUAGES }) sourceLanguage!: Language;
  @ApiProperty({ ...COUNT, description: 'Publications so far (0: never published)' }) version!: number;
  @ApiProperty({ type: [TranslationSummaryResponse], maxItems: LANGUAGES.length }) translations!: TranslationSummaryResponse[];
  @ApiProperty(INSTANT) updatedAt!: string;
}

export class PublishedArticleResponse {
  @ApiProperty(ARTICLE_ID) id!: string;
  @ApiProperty({ enum: CATEGORIES }) category!: Category;
  @ApiProperty(TAGS) tags!: string[];
  @ApiProperty({ enum: LANGUAGES, description: 'The language of title and body' }) language!: Language;
  @ApiProperty({ enum: LANGUAGES }) requestedLanguage!: Language;
  @ApiProperty({ description: 'No translation in the requested language: `language` says which one this is' }) fallback!: boolean;
  @ApiProperty({ maxLength: MAX_TITLE_LENGTH }) title!: string;
  @ApiProperty({ maxLength: MAX_BODY_LENGTH, description: 'As written (see bodyFormat); any HTML in it is text, never markup to trust' }) body!: string;
  @ApiProperty({ enum: ['markdown'], description: 'Render as CommonMark with raw HTML escaped or stripped' }) bodyFormat!: 'markdown';
  @ApiProperty({ ...COUNT, minimum: 1 }) version!: number;
  @ApiProperty({ description: 'The source-language text changed after this translation was written' }) outdated!: boolean;
  @ApiProperty(INSTANT) publishedAt!: string;
  @ApiProperty({ type: [String], enum: LANGUAGES, maxItems: LANGUAGES.length }) availableLanguages!: Language[];
}

export class ArticleHitResponse {
  @ApiProperty(ARTICLE_ID) id!: string;
  @ApiProperty({ maxLength: MAX_TITLE_LENGTH }) title!: string;
  @ApiProperty({ enum: CATEGORIES }) category!: Category;
  @ApiProperty({ enum: LANGUAGES }) language!: Language;
  @ApiProperty({ type: 'number', format: 'double', minimum: 0, maximum: 1e9, description: 'Relevance; higher is better, comparable within one answer only' }) score!: number;
  @ApiProperty({ format: 'uri-reference', maxLength: 200, description: 'Where to read it' }) url!: string;
}

export class ArticlePageResponse {
  @ApiProperty({ type: [ArticleHitResponse], maxItems: 100 }) items!: ArticleHitResponse[];
  @ApiProperty({ type: String, nullable: true, maxLength: 64, description: 'Always null: one page of the best matches' }) nextCursor!: string | null;
}

export class SuggestionsResponse {
  @ApiProperty({ type: [ArticleHitResponse], maxItems: 3, description: 'Best first; only articles of self-service categories' }) items!: ArticleHitResponse[];
  @ApiProperty({ type: String, nullable: true, maxLength: 64, description: 'The session the suggestions were recorded in, when one was given' }) sessionId!: string | null;
}

export class NotHelpfulResponse {
  @ApiProperty(ARTICLE_ID) articleId!: string;
  @ApiProperty(COUNT) count!: number;
}

export class KbMetricsResponse {
  @ApiProperty(COUNT) sessionsWithSuggestions!: number;
  @ApiProperty({ ...COUNT, description: 'Solved by an article ("this solved it") with no ticket opened in the session, or a ticket of it self-served' }) deflectedSessions!: number;
  @ApiProperty({ ...COUNT, description: 'Sessions shown suggestions in which a ticket was opened anyway' }) sessionsWithTicket!: number;
  @ApiProperty({ type: 'number', format: 'double', minimum: 0, maximum: 1 }) deflectionRate!: number;
  @ApiProperty(COUNT) sessionsWithClick!: number;
  @ApiProperty({ type: 'number', format: 'double', minimum: 0, maximum: 1 }) clickThroughRate!: number;
  @ApiProperty({ type: [NotHelpfulResponse], maxItems: 10, description: 'Articles most often marked "didn’t help", most first' }) notHelpful!: NotHelpfulResponse[];
}
