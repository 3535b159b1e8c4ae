import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiProblems, CurrentActor, Idempotent, Operation, Public, Roles, type AuthenticatedActor } from '@ticketing/platform';
import { KbCommandsService } from '../application/kb-commands.service';
import { KbQueriesService } from '../application/kb-queries.service';
import { articleUrl, KbSuggestionsService } from '../application/kb-suggestions.service';
import { KbSearchService } from '../search/kb-search.service';
import { newId, systemActor } from '@ticketing/kernel';
import {
  ArticlePageResponse,
  ArticleQuery,
  ARTICLE_ID_PATTERN,
  FeedbackRequest,
  KbMetricsResponse,
  PublishedArticleResponse,
  SearchArticlesQuery,
  SessionArticleRequest,
  SESSION_ID_PATTERN,
  SuggestionsResponse,
  SuggestQuery,
} from './kb.dto';
import { ArticleIdPipe, SessionIdPipe } from './kb.pipes';
import { commandContextOf, KB_STAFF } from './kb-context';

const ApiSessionId = () => ApiParam({ name: 'sessionId', description: 'The frontend’s support session', schema: { type: 'string', pattern: SESSION_ID_PATTERN.source, maxLength: 64 } });

/** What anyone may read: published articles, search, suggestions; and the deflection figures for staff. */
@ApiTags('knowledge base')
@Controller('kb')
export class KbReadsHttpController {
  constructor(
    private readonly queries: KbQueriesService,
    private readonly search: KbSearchService,
    private readonly suggestions: KbSuggestionsService,
    private readonly commands: KbCommandsService,
  ) {}

  @Get('articles/:id')
  @Public()
  @ApiParam({ name: 'id', description: 'The article', schema: { type: 'string', pattern: ARTICLE_ID_PATTERN.source, maxLength: 100 } })
  @Operation('getArticle', {
    summary: 'Read a published article',
    description:
      'Anyone, without a token. In `lang` (default en); without that translation, in the article’s source language (else English, else any) with `fallback` true. ' +
      'The body is Markdown, as written: render it with raw HTML escaped.',
  })
  @ApiOkResponse({ type: PublishedArticleResponse })
  article(@Param('id', ArticleIdPipe) id: string, @Query() query: ArticleQuery): Promise<PublishedArticleResponse> {
    return this.queries.published(id, query.lang ?? 'en');
  }

  @Get('articles')
  @Public()
  @Operation('searchArticles', {
    summary: 'Search published articles',
    description: 'Anyone, without a token. Words segmented per language (zh, ja, ko without spaces), typos tolerated in Latin-script words, title counting over body over tags.',
  })
  @ApiOkResponse({ type: ArticlePageResponse })
  async searchArticles(@Query() query: SearchArticlesQuery): Promise<ArticlePageResponse> {
    const hits = await this.search.search(query.q, {
      language: query.lang,
      categories: query.category === undefined ? undefined : new Set([query.category]),
      limit: query.limit ?? 20,
    });
    return {
      items: hits.map((hit) => ({ id: hit.articleId, title: hit.title, category: hit.category, language: hit.language, score: hit.score, url: articleUrl(hit.articleId, hit.language) })),
      nextCursor: null,
    };
  }

  @Get('suggest')
  @Public()
  @Operation('suggestArticles', {
    summary: 'Suggest articles for a problem before a ticket exists',
    description:
      'Anyone, without a token. Up to 3 published articles of self-service categories, best first. With `sessionId`, the suggestions are recorded in that session: ' +
      'a session later solved by one of them ("this solved it") without a ticket counts as deflected.',
  })
  @ApiOkResponse({ type: SuggestionsResponse })
  async suggest(@Query() query: SuggestQuery): Promise<SuggestionsResponse> {
    const items = await this.suggestions.suggestFor(
      { text: query.q, language: query.lang, sessionId: query.sessionId },
      { actor: systemActor('kb-suggest'), correlationId: newId() },
    );
    return { items: items.map((item) => ({ ...item, language: query.lang })), sessionId: query.sessionId ?? null };
  }

  @Post('sessions/:sessionId/clicks')
  @Idempotent()
  @HttpCode(204)
  @ApiBearerAuth()
  @Roles('customer', 'service')
  @ApiSessionId()
  @Operation('clickKbSuggestion', { summary: 'Record that a suggested article was opened', description: 'Customers, or a frontend service relaying an anonymous visitor.' })
  @ApiNoContentResponse({ description: 'Recorded' })
  async click(@Param('sessionId', SessionIdPipe) sessionId: string, @Body() request: SessionArticleRequest, @CurrentActor() actor: AuthenticatedActor): Promise<void> {
    await this.commands.click(sessionId, request.articleId, commandContextOf(actor));
  }

  @Post('sessions/:sessionId/feedback')
  @Idempotent()
  @HttpCode(204)
  @ApiBearerAuth()
  @Roles('customer', 'service')
  @ApiSessionId()
  @Operation('giveKbArticleFeedback', { summary: 'Did this article help?', description: 'The latest answer per article counts; "didn’t help" answers rank articles in the metrics.' })
  @ApiNoContentResponse({ description: 'Recorded' })
  async feedback(@Param('sessionId', SessionIdPipe) sessionId: string, @Body() request: FeedbackRequest, @CurrentActor() actor: AuthenticatedActor): Promise<void> {
    await this.commands.feedback(sessionId, request.articleId, request.helpful, commandContextOf(actor));
  }

  @Post('sessions/:sessionId/resolve')
  @Idempotent()
  @HttpCode(204)
  @ApiBearerAuth()
  @Roles('customer', 'service')
  @ApiSessionId()
  @Operation('resolveKbSession', {
    summary: '"This solved it": a suggested article solved the problem',
    description: 'Counts as a deflection unless a ticket is opened in the session. Once per session.',
  })
  @ApiNoContentResponse({ description: 'Recorded' })
  async resolve(@Param('sessionId', SessionIdPipe) sessionId: string, @Body() request: SessionArticleRequest, @CurrentActor() actor: AuthenticatedActor): Promise<void> {
    await this.commands.resolve(sessionId, request.articleId, commandContextOf(actor));
  }

  @Get('metrics')
  @ApiBearerAuth()
  @Roles(...KB_STAFF)
  @ApiProblems()
  @Operation('getKbMetrics', { summary: 'Deflection rate, suggestion click-through, articles most often marked "didn’t help"' })
  @ApiOkResponse({ type: KbMetricsResponse })
  metrics(): Promise<KbMetricsResponse> {
    return this.queries.metricsView();
  }
}
