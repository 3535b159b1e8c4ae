import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Actor, type Clock, type Decider, type Event } from '@ticketing/kernel';
import { kbStreams, type Category, type Language } from '@ticketing/contracts';
import { EVENT_STORE, handleCommand, type EventStore } from '@ticketing/event-store';
import { articleDecider, kbSessionDecider, type ArticleCommand, type KbSessionCommand } from '@ticketing/kb-domain';
import { PROJECTION_RUNNER, type ProjectionRunner } from '@ticketing/read-store';
import { KB_ARTICLES_PROJECTION } from '../read-model/kb-articles.projection';
import { KB_SESSIONS_PROJECTION } from '../read-model/kb-sessions.projection';

/** Who is acting and under which correlation id. */
export type KbCommandContext = Readonly<{ actor: Actor; correlationId: string }>;

/** How long a write waits for the read model to show it before answering with what it has. */
const READ_YOUR_WRITES_TIMEOUT_MS = 2_000;

/** The knowledge base's write side: one request → one decider command on one stream. */
@Injectable()
export class KbCommandsService {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
  ) {}

  createDraft(input: Readonly<{ articleId: string; category: Category; tags: readonly string[]; sourceLanguage: Language }>, context: KbCommandContext) {
    return this.onArticle(input.articleId, { type: 'CreateArticleDraft', data: { ...input, now: this.now() } }, context);
  }

  saveTranslation(input: Readonly<{ articleId: string; language: Language; title: string; body: string }>, context: KbCommandContext) {
    return this.onArticle(input.articleId, { type: 'SaveArticleTranslation', data: { ...input, now: this.now() } }, context);
  }

  publish(articleId: string, context: KbCommandContext) {
    return this.onArticle(articleId, { type: 'PublishArticle', data: { articleId, now: this.now() } }, context);
  }

  archive(articleId: string, context: KbCommandContext) {
    return this.onArticle(articleId, { type: 'ArchiveArticle', data: { articleId, now: this.now() } }, context);
  }

  showSuggestions(input: Readonly<{ sessionId: string; query: string; language: Language; articleIds: readonly string[] }>, context: KbCommandContext) {
    return this.onSession(input.sessionId, { type: 'ShowSuggestions', data: { ...input, now: this.now() } }, context);
  }

  click(sessionId: string, articleId: string, context: KbCommandContext) {
    return this.onSession(sessionId, { type: 'ClickSuggestion', data: { sessionId, articleId, now: this.now() } }, context);
  }

  feedback(sessionId: string, articleId: string, helpful: boolean, context: KbCommandContext) {
    return this.onSession(sessionId, { type: 'GiveArticleFeedback', data: { sessionId, articleId, helpful, now: this.now() } }, context);
  }

  resolve(sessionId: string, articleId: string, context: KbCommandContext) {
    return this.onSession(sessionId, { type: 'ResolveKbSession', data: { sessionId, articleId, now: this.now() } }, context);
  }

  private now(): string {
    return this.clock.now().toISOString();
  }

  private async onArticle(articleId: string, command: ArticleCommand, context: KbCommandContext): Promise<void> {
    await this.run(kbStreams.article(articleId), articleDecider, command, context, KB_ARTICLES_PROJECTION);
  }

  private async onSession(sessionId: string, command: KbSessionCommand, context: KbCommandContext): Promise<void> {
    await this.run(kbStreams.session(sessionId), kbSessionDecider, command, context, KB_SESSIONS_PROJECTION);
  }

  private async run<S, C extends ArticleCommand | KbSessionCommand, E extends Event>(
    stream: string,
    decider: Decider<S, C, E>,
    command: C,
    context: KbCommandContext,
    projection: string,
  ): Promise<void> {
    const result = await handleCommand(this.eventStore, stream, decider, command, {
      metadata: { correlationId: context.correlationId, causationId: context.correlationId, actor: context.actor, occurredAt: this.now() },
    });
    if (result.lastGlobalPosition === undefined) return;
    // The write is durable either way; a lagging read model only makes the answer older.
    await this.projections.caughtUpWithin(projection, result.lastGlobalPosition, READ_YOUR_WRITES_TIMEOUT_MS, { streamName: stream, type: result.newEvents.at(-1)!.type });
  }
}
