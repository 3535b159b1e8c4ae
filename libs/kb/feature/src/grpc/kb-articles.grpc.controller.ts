import { Controller, UseInterceptors } from '@nestjs/common';
import { GrpcMethod, Payload } from '@nestjs/microservices';
import { ValidationError, newId } from '@ticketing/kernel';
import { LANGUAGES, type Language } from '@ticketing/contracts';
import { createValidationPipe, CurrentActor, IdempotencyInterceptor, Roles, type AuthenticatedActor } from '@ticketing/platform';
import { KbCommandsService } from '../application/kb-commands.service';
import { KbQueriesService, type ArticleAdminView } from '../application/kb-queries.service';
import { ARTICLE_ID_PATTERN, CreateArticleRequest, SaveTranslationRequest } from '../http/kb.dto';
import { commandContextOf, KB_WRITERS } from '../http/kb-context';

const SERVICE = 'KnowledgeBase';
const pipe = createValidationPipe();

type IdMessage = { id?: string };
type CreateMessage = { id?: string; category?: string; tags?: string[]; sourceLanguage?: string };
type TranslationMessage = { id?: string; language?: string; title?: string; body?: string };

/** Validates with the REST DTO's rules, so both transports refuse the same input the same way. */
async function validated<T extends object>(type: new () => T, body: Record<string, unknown>): Promise<T> {
  try {
    return (await pipe.transform(body, { type: 'body', metatype: type, data: undefined })) as T;
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError(`The request is invalid: ${error.errors.map(({ field, message }) => `${field}: ${message}`).join('; ')}`, error.errors);
  }
}

function articleIdOf(message: IdMessage): string {
  const id = message.id ?? '';
  if (!ARTICLE_ID_PATTERN.test(id)) throw new ValidationError('The request is invalid: id: an article id', [{ field: 'id', message: 'an article id' }]);
  return id;
}

function languageOf(language: string | undefined): Language {
  if (!(LANGUAGES as readonly (string | undefined)[]).includes(language)) {
    throw new ValidationError(`The request is invalid: language: one of ${LANGUAGES.join(', ')}`, [{ field: 'language', message: `one of ${LANGUAGES.join(', ')}` }]);
  }
  return language as Language;
}

const toMessage = (article: ArticleAdminView) => ({ ...article });

/** ticketing.kb.v1.KnowledgeBase: the article writes of REST, same roles, rules and services. */
@Controller()
export class KbArticlesGrpcController {
  constructor(
    private readonly commands: KbCommandsService,
    private readonly queries: KbQueriesService,
  ) {}

  @GrpcMethod(SERVICE, 'CreateArticle')
  @Roles(...KB_WRITERS)
  @UseInterceptors(IdempotencyInterceptor)
  async create(@Payload() message: CreateMessage, @CurrentActor() actor: AuthenticatedActor) {
    const request = await validated(CreateArticleRequest, {
      ...(message.id ? { id: message.id } : {}),
      category: message.category,
      tags: message.tags ?? [],
      sourceLanguage: message.sourceLanguage,
    });
    const articleId = request.id ?? newId();
    await this.commands.createDraft({ articleId, category: request.category, tags: request.tags, sourceLanguage: request.sourceLanguage }, commandContextOf(actor));
    return toMessage(await this.queries.admin(articleId));
  }

  @GrpcMethod(SERVICE, 'UpdateArticleTranslation')
  @Roles(...KB_WRITERS)
  @UseInterceptors(IdempotencyInterceptor)
  async saveTranslation(@Payload() message: TranslationMessage, @CurrentActor() actor: AuthenticatedActor) {
    const articleId = articleIdOf(message);
    const language = languageOf(message.language);
    const request = await validated(SaveTranslationRequest, { title: message.title, body: message.body });
    await this.commands.saveTranslation({ articleId, language, title: request.title, body: request.body }, commandContextOf(actor));
    return toMessage(await this.queries.admin(articleId));
  }

  @GrpcMethod(SERVICE, 'PublishArticle')
  @Roles(...KB_WRITERS)
  @UseInterceptors(IdempotencyInterceptor)
  async publish(@Payload() message: IdMessage, @CurrentActor() actor: AuthenticatedActor) {
    const articleId = articleIdOf(message);
    await this.commands.publish(articleId, commandContextOf(actor));
    return toMessage(await this.queries.admin(articleId));
  }

  @GrpcMethod(SERVICE, 'ArchiveArticle')
  @Roles(...KB_WRITERS)
  @UseInterceptors(IdempotencyInterceptor)
  async archive(@Payload() message: IdMessage, @CurrentActor() actor: AuthenticatedActor) {
    const articleId = articleIdOf(message);
    await this.commands.archive(articleId, commandContextOf(actor));
    return toMessage(await this.queries.admin(articleId));
  }

  @GrpcMethod(SERVICE, 'GetArticle')
  @Roles(...KB_WRITERS)
  async get(@Payload() message: IdMessage) {
    return toMessage(await this.queries.admin(articleIdOf(message)));
  }
}

