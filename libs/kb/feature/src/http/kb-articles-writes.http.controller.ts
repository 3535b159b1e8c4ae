import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import { newId } from '@ticketing/kernel';
import { LANGUAGES, type Language } from '@ticketing/contracts';
import { ApiProblems, CurrentActor, Idempotent, Operation, Roles, type AuthenticatedActor } from '@ticketing/platform';
import { KbCommandsService } from '../application/kb-commands.service';
import { KbQueriesService } from '../application/kb-queries.service';
import { ArticleAdminResponse, ARTICLE_ID_PATTERN, CreateArticleRequest, SaveTranslationRequest } from './kb.dto';
import { ArticleIdPipe, LanguagePipe } from './kb.pipes';
import { commandContextOf, KB_WRITERS } from './kb-context';

const ApiArticleId = () => ApiParam({ name: 'id', description: 'The article', schema: { type: 'string', pattern: ARTICLE_ID_PATTERN.source, maxLength: 100 } });

@ApiTags('knowledge base')
@ApiBearerAuth()
@Controller('kb/articles')
export class KbArticleWritesHttpController {
  constructor(
    private readonly commands: KbCommandsService,
    private readonly queries: KbQueriesService,
  ) {}

  @Post()
  @Idempotent()
  @HttpCode(201)
  @Roles(...KB_WRITERS)
  @ApiProblems(409)
  @Operation('createArticle', { summary: 'Create a draft article', description: 'A draft with its category, tags and source language; write its translations next, then publish it.' })
  @ApiCreatedResponse({ type: ArticleAdminResponse })
  async create(@Body() request: CreateArticleRequest, @CurrentActor() actor: AuthenticatedActor): Promise<ArticleAdminResponse> {
    const articleId = request.id ?? newId();
    await this.commands.createDraft({ articleId, category: request.category, tags: request.tags, sourceLanguage: request.sourceLanguage }, commandContextOf(actor));
    return this.queries.admin(articleId);
  }

  @Get(':id/draft')
  @Roles(...KB_WRITERS)
  @ApiArticleId()
  @Operation('getArticleDraft', { summary: 'An article as its writers see it', description: 'Status, version and every translation with its outdated flag, drafts and archived articles included.' })
  @ApiOkResponse({ type: ArticleAdminResponse })
  draft(@Param('id', ArticleIdPipe) id: string): Promise<ArticleAdminResponse> {
    return this.queries.admin(id);
  }

  @Put(':id/translations/:lang')
  @Idempotent()
  @HttpCode(200)
  @Roles(...KB_WRITERS)
  @ApiArticleId()
  @ApiParam({ name: 'lang', enum: LANGUAGES, description: 'The translation’s language' })
  @ApiProblems(409)
  @Operation('updateArticleTranslation', {
    summary: 'Write one language’s title and body',
    description:
      'Replaces that language’s text; readers see it once the article is published again. Writing the source language marks every other translation outdated. ' +
      'The body is Markdown stored verbatim: HTML in it is kept as text and never served as markup.',
  })
  @ApiOkResponse({ type: ArticleAdminResponse })
  async saveTranslation(
    @Param('id', ArticleIdPipe) id: string,
    @Param('lang', LanguagePipe) language: Language,
    @Body() request: SaveTranslationRequest,
    @CurrentActor() actor: AuthenticatedActor,
  ): Promise<ArticleAdminResponse> {
    await this.commands.saveTranslation({ articleId: id, language, title: request.title, body: request.body }, commandContextOf(actor));
    return this.queries.admin(id);
  }

  @Post(':id/publish')
  @Idempotent()
  @HttpCode(200)
  @Roles(...KB_WRITERS)
  @ApiArticleId()
  @ApiProblems(409)
  @Operation('publishArticle', { summary: 'Publish the article’s current text', description: 'A new version readers see, in every language written so far. Needs the source language’s text.' })
  @ApiOkResponse({ type: ArticleAdminResponse })
  async publish(@Param('id', ArticleIdPipe) id: string, @CurrentActor() actor: AuthenticatedActor): Promise<ArticleAdminResponse> {
    await this.commands.publish(id, commandContextOf(actor));
    return this.queries.admin(id);
  }

  @Post(':id/archive')
  @Idempotent()
  @HttpCode(200)
  @Roles(...KB_WRITERS)
  @ApiArticleId()
  @ApiProblems(409)
  @Operation('archiveArticle', { summary: 'Archive the article', description: 'Readers, search and suggestions no longer find it.' })
  @ApiOkResponse({ type: ArticleAdminResponse })
  async archive(@Param('id', ArticleIdPipe) id: string, @CurrentActor() actor: AuthenticatedActor): Promise<ArticleAdminResponse> {
    await this.commands.archive(id, commandContextOf(actor));
    return this.queries.admin(id);
  }
}
