import { Global, Module } from '@nestjs/common';
import { ARTICLE_SUGGESTER } from '@ticketing/contracts';
import { KbCommandsService } from './application/kb-commands.service';
import { KbQueriesService } from './application/kb-queries.service';
import { KbSuggestionsService } from './application/kb-suggestions.service';
import { KbArticleWritesHttpController } from './http/kb-articles-writes.http.controller';
import { KbReadsHttpController } from './http/kb-reads.http.controller';
import { KbMetrics } from './metrics/kb.metrics';
import { kbArticlesProjection } from './read-model/kb-articles.projection';
import { kbSessionsProjection } from './read-model/kb-sessions.projection';
import { KbSearchService } from './search/kb-search.service';
import { StarterKbTask } from './starter/starter-kb.task';
import { KbArticlesGrpcController } from './grpc/kb-articles.grpc.controller';

/**
 * The knowledge base: articles, search, suggestions and deflection. Global, so that a context
 * composed in the same process (intake) can inject ARTICLE_SUGGESTER optionally. Expects
 * EVENT_STORE, READ_STORE, PROJECTION_RUNNER, CLOCK and the idempotency store and interceptor globally.
 */
@Global()
@Module({
  controllers: [KbArticleWritesHttpController, KbReadsHttpController, KbArticlesGrpcController],
  providers: [
    KbCommandsService,
    KbQueriesService,
    KbSearchService,
    KbSuggestionsService,
    KbMetrics,
    StarterKbTask,
    { provide: ARTICLE_SUGGESTER, useExisting: KbSuggestionsService },
  ],
  exports: [ARTICLE_SUGGESTER],
})
export class KbModule {
  /** Read models this context needs the runtime to keep up to date. */
  static readonly projections = [kbArticlesProjection, kbSessionsProjection];
}
