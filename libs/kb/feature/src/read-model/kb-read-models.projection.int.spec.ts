import { afterEach, beforeEach, expect, it } from '@jest/globals';
import type { Kysely } from 'kysely';
import type { ArticleEvent, KbSessionEvent } from '@ticketing/contracts';
import { MemoryEventStore } from '@ticketing/event-store';
import { ManualClock, newId, type Event } from '@ticketing/kernel';
import { PlatformMetrics } from '@ticketing/platform';
import { openReadStore, ProjectionRunner, type ReadStore } from '@ticketing/read-store';
import { describeEachReadStore, type ReadStoreLocation } from '@ticketing/read-store/testing';
import { KbQueriesService } from '../application/kb-queries.service';
import { KbMetrics } from '../metrics/kb.metrics';
import { KbSearchService } from '../search/kb-search.service';
import { kbArticlesProjection } from './kb-articles.projection';
import { kbSessionsProjection, type KbSessionTables } from './kb-sessions.projection';

const T = '2026-12-01T10:00:00.000Z';

async function append(store: MemoryEventStore, streamName: string, ...events: Event[]): Promise<number> {
  const metadata = { correlationId: 'c', causationId: 'c', actor: { kind: 'system', id: 'test' }, occurredAt: T } as const;
  const result = await store.append(
    streamName,
    events.map((event) => ({ id: newId(), type: event.type, schemaVersion: event.schemaVersion, data: event.data as never, metadata })),
    { expectedRevision: 'any' },
  );
  return result.lastGlobalPosition;
}

const article = (type: ArticleEvent['type'], data: object): Event => ({ type, schemaVersion: 1, data });
const session = (type: KbSessionEvent['type'], data: object): Event => ({ type, schemaVersion: 1, data });
const opened = (data: object): Event => ({ type: 'TicketOpened', schemaVersion: 1, data: { ticketId: newId(), customerId: 'c', channel: 'chat', subject: 's', body: 'b', language: 'en', openedAt: T, ...data } });

// The knowledge base's read models (articles, published text, sessions) build the same on every read store.
describeEachReadStore('kb-articles and kb-sessions projections', (target) => {
  let location: ReadStoreLocation;
  let eventStore: MemoryEventStore;
  let readStore: ReadStore;
  let runner: ProjectionRunner;
  let queries: KbQueriesService;
  let search: KbSearchService;
  let clock: ManualClock;

  beforeEach(async () => {
    location = await target.create();
    eventStore = new MemoryEventStore();
    readStore = await openReadStore(location.url);
    runner = new ProjectionRunner({ readStore, eventStore, projections: [kbArticlesProjection, kbSessionsProjection] });
    const metrics = new KbMetrics(new PlatformMetrics());
    queries = new KbQueriesService(readStore, metrics);
    clock = new ManualClock(T);
    search = new KbSearchService(readStore, metrics, runner, clock);
  });

  afterEach(async () => {
    await runner.stop();
    await readStore.close();
    await eventStore.close();
    await location.dispose();
  });

  async function writeHistory(): Promise<number> {
    await append(
      eventStore,
      'article-reset-2fa',
      article('ArticleDraftCreated', { articleId: 'reset-2fa', category: 'account_access', tags: ['2fa'], sourceLanguage: 'en', createdAt: T }),
      article('ArticleTranslationSaved', { articleId: 'reset-2fa', language: 'en', title: 'Reset 2FA', body: 'Lost authenticator', sourceVersion: 1, savedAt: T }),
      article('ArticleTranslationSaved', { articleId: 'reset-2fa', language: 'zh', title: '重置二次验证', body: '验证器丢失', sourceVersion: 1, savedAt: T }),
      article('ArticlePublished', { articleId: 'reset-2fa', version: 1, publishedAt: T }),
      article('ArticleTranslationSaved', { articleId: 'reset-2fa', language: 'en', title: 'Reset two-factor authentication', body: 'Lost authenticator', sourceVersion: 2, savedAt: T }),
      article('ArticleTranslationMarkedOutdated', { articleId: 'reset-2fa', language: 'zh', sourceVersion: 2, markedAt: T }),
    );
    await append(
      eventStore,
      'article-old-fees',
      article('ArticleDraftCreated', { articleId: 'old-fees', category: 'trading_issue', tags: [], sourceLanguage: 'en', createdAt: T }),
      article('ArticleTranslationSaved', { articleId: 'old-fees', language: 'en', title: 'Old fee schedule', body: 'Fees', sourceVersion: 1, savedAt: T }),
      article('ArticlePublished', { articleId: 'old-fees', version: 1, publishedAt: T }),
    );
    await append(eventStore, 'kb-session-s1', session('KbSuggestionsShown', { sessionId: 's1', query: 'q', language: 'en', articleIds: ['reset-2fa', 'old-fees'], shownAt: T }));
    await append(eventStore, 'kb-session-s1', session('KbSuggestionClicked', { sessionId: 's1', articleId: 'reset-2fa', clickedAt: T }));
    await append(eventStore, 'kb-session-s1', session('KbSessionResolved', { sessionId: 's1', articleId: 'reset-2fa', resolvedAt: T }));
    await append(eventStore, 'kb-session-s2', session('KbSuggestionsShown', { sessionId: 's2', query: 'q', language: 'en', articleIds: ['old-fees'], shownAt: T }));
    await append(eventStore, 'kb-session-s2', session('KbArticleFeedbackGiven', { sessionId: 's2', articleId: 'old-fees', helpful: true, givenAt: T }));
    await append(eventStore, 'kb-session-s2', session('KbArticleFeedbackGiven', { sessionId: 's2', articleId: 'old-fees', helpful: false, givenAt: T }));
    await append(eventStore, 'kb-session-s2', session('KbSessionResolved', { sessionId: 's2', articleId: 'old-fees', resolvedAt: T }));
    // Resolved, but a ticket was opened in the session after its suggestions: not deflected.
    await append(eventStore, `ticket-${newId()}`, opened({ sessionId: 's2' }));
    // Tickets without a session, or with a malformed one, count for none.
    await append(eventStore, `ticket-${newId()}`, opened({}));
    return append(eventStore, `ticket-${newId()}`, opened({ sessionId: 42 }));
  }

  it('serves published text (as of the last publication, outdated flags included), writers’ views, search and deflection figures', async () => {
    const head = await writeHistory();
    await runner.start();
    await runner.waitFor(head);

    expect(await queries.published('reset-2fa', 'zh')).toMatchObject({ language: 'zh', fallback: false, title: '重置二次验证', outdated: true, version: 1 });
    expect(await queries.published('reset-2fa', 'en')).toMatchObject({ title: 'Reset 2FA', outdated: false });
    expect(await queries.published('reset-2fa', 'ko')).toMatchObject({ language: 'en', fallback: true, availableLanguages: ['en', 'zh'] });
    expect(await queries.admin('reset-2fa')).toMatchObject({
      status: 'published',
      translations: [
        { language: 'en', title: 'Reset two-factor authentication', sourceVersion: 2, outdated: false },
        { language: 'zh', sourceVersion: 1, outdated: true },
      ],
    });
    expect((await search.search('authenticator', { language: 'en', limit: 3 })).map((hit) => hit.articleId)).toEqual(['reset-2fa']);
    expect(await queries.metricsView()).toEqual({
      sessionsWithSuggestions: 2,
      deflectedSessions: 1,
      sessionsWithTicket: 1,
      deflectionRate: 0.5,
      sessionsWithClick: 1,
      clickThroughRate: 0.5,
      notHelpful: [{ articleId: 'old-fees', count: 1 }],
    });

    // Tickets without a (well-formed) session made no session rows.
    const sessions = await (readStore.db as Kysely<KbSessionTables>).selectFrom('kb_sessions').select('session_id').orderBy('session_id').execute();
    expect(sessions.map((row) => row.session_id)).toEqual(['s1', 's2']);

    // An archived article leaves the running index and the readers' view.
    expect((await search.search('fee', { language: 'en', limit: 3 })).map((hit) => hit.articleId)).toEqual(['old-fees']);
    const archived = await append(eventStore, 'article-old-fees', article('ArticleArchived', { articleId: 'old-fees', archivedAt: T }));
    await runner.waitFor(archived);
    expect(await search.search('fee', { language: 'en', limit: 3 })).toEqual([]);
    await expect(queries.published('old-fees', 'en')).rejects.toThrow('not found');
  });

  it("shows another process's committed changes to the index within a second, without asking the read model at every search", async () => {
    const head = await writeHistory();
    // Here the projection runs elsewhere (another replica): this process's own checkpoint never moves.
    const elsewhere = new ProjectionRunner({ readStore, eventStore, projections: [kbArticlesProjection, kbSessionsProjection] });
    await elsewhere.start();
    try {
      await elsewhere.waitFor(head);
      expect((await search.search('fee', { language: 'en', limit: 3 })).map((hit) => hit.articleId)).toEqual(['old-fees']);
      await elsewhere.waitFor(await append(eventStore, 'article-old-fees', article('ArticleArchived', { articleId: 'old-fees', archivedAt: T })));
      expect((await search.search('fee', { language: 'en', limit: 3 })).map((hit) => hit.articleId)).toEqual(['old-fees']);
      await clock.advance(1_000);
      expect(await search.search('fee', { language: 'en', limit: 3 })).toEqual([]);
    } finally {
      await elsewhere.stop();
    }
  });

  it('rebuilds to the same state from the event log', async () => {
    const head = await writeHistory();
    await runner.start();
    await runner.waitFor(head);
    const before = { article: await queries.published('reset-2fa', 'zh'), metrics: await queries.metricsView() };
    await runner.rebuild();
    await runner.waitFor(head);
    expect({ article: await queries.published('reset-2fa', 'zh'), metrics: await queries.metricsView() }).toEqual(before);
  });
});
