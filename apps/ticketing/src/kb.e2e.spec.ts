import { status } from '@grpc/grpc-js';
import { KB_PROTO_FILE } from '@ticketing/contracts';
import { deterministicId, newId } from '@ticketing/kernel';
import { readStarterArticles, starterKbDir } from '@ticketing/kb-feature';
import type { RecordedEvent } from '@ticketing/event-store';
import { ContextGrpcClient } from './test-support/context-grpc.client';
import { newDataDir, TicketingHarness, type HttpReply } from './test-support/ticketing.harness';

type Hit = { id: string; title: string; category: string; score: number; url: string };
type Problem = { type: string; status: number; detail: string; errors?: { field: string }[] };


const STARTER = starterKbDir();

async function articleEvents(harness: TicketingHarness): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const event of harness.runtime.eventStore.readAll({ filter: { streamPrefixes: ['article-', 'kb-session-'] } })) events.push(event);
  return events;
}

const expectProblem = (reply: HttpReply, statusCode: number, field?: string) => {
  expect(reply.status).toBe(statusCode);
  expect(reply.contentType).toContain('application/problem+json');
  if (field !== undefined) expect((reply.body as Problem).errors?.map((error) => error.field)).toContain(field);
};

describe('knowledge base over HTTP and gRPC (e2e)', () => {
  let harness: TicketingHarness;
  let dataDir: string;
  let agent: string;
  let customer: string;
  let ops: string;
  let lastStarterId: string;

  /** Waits for the starter KB's last article to be published and read-modelled. */
  async function starterLoaded(on: TicketingHarness): Promise<void> {
    const published = await on.nextEvent(`article-${lastStarterId}`, 'ArticlePublished');
    await on.runtime.projections.waitFor(published.globalPosition);
  }

  beforeAll(async () => {
    expect(STARTER).toBeDefined();
    const starter = await readStarterArticles(STARTER!);
    lastStarterId = starter.at(-1)!.id;
    dataDir = await newDataDir();
    harness = await TicketingHarness.start({ dataDir, env: { TICKETING_KB_STARTER: 'on' } });
    await starterLoaded(harness);
    agent = await harness.token('agent', 'agent-kb');
    customer = await harness.token('customer', 'cust-kb');
    ops = await harness.token('ops', 'ops-kb');
  });
  afterAll(() => harness?.close());

  describe('the starter knowledge base', () => {
    it('is published on the first start, every article in every language it has, readable without a token', async () => {
      const starter = await readStarterArticles(STARTER!);
      expect(starter.length).toBeGreaterThan(0);
      const published = (await articleEvents(harness)).filter((event) => event.type === 'ArticlePublished');
      expect(published).toHaveLength(starter.length);
      const reply = await harness.request('GET', '/v1/kb/articles/reset-2fa-lost-phone?lang=ja');
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ id: 'reset-2fa-lost-phone', language: 'ja', fallback: false, category: 'account_access', version: 1, bodyFormat: 'markdown' });
    });

    it('is not loaded again on a restart: same events, same ids', async () => {
      const before = await articleEvents(harness);
      await harness.close();
      harness = await TicketingHarness.start({ dataDir, env: { TICKETING_KB_STARTER: 'on' } });
      const again = await harness.runtime.eventStore.headPosition();
      await harness.runtime.projections.waitFor(again);
      const after = await articleEvents(harness);
      expect(after.map((event) => event.id)).toEqual(before.map((event) => event.id));
      expect(before[0].id).toBe(deterministicId(`kb-starter:${before[0].streamName.slice('article-'.length)}:0`));
    });
  });

  describe('suggestions before a ticket exists', () => {
    it.each([
      ['en', 'I lost my phone and can not get the google authenticator code, how to reset 2fa', 'reset-2fa-lost-phone'],
      ['zh', '手机丢了，谷歌验证器用不了，怎么重置二次验证', 'reset-2fa-lost-phone'],
      ['ja', '認証アプリを紛失しました。二段階認証をリセットしたい', 'reset-2fa-lost-phone'],
      ['ko', 'OTP 앱을 분실했는데 2단계 인증 초기화 방법 알려주세요', 'reset-2fa-lost-phone'],
      ['ru', 'потерял телефон, как сбросить 2FA аутентификатор', 'reset-2fa-lost-phone'],
      ['zh', '限价单一直没有成交', 'limit-order-not-filled'],
      ['ko', 'KYC 등급별 한도가 궁금해요', 'kyc-levels-and-limits'],
    ])('in %s: %s → %s among at most 3 articles', async (lang, q, expected) => {
      const reply = await harness.request('GET', `/v1/kb/suggest?q=${encodeURIComponent(q)}&lang=${lang}`);
      expect(reply.status).toBe(200);
      const items = (reply.body as { items: Hit[] }).items;
      expect(items.length).toBeLessThanOrEqual(3);
      expect(items.map((item) => item.id)).toContain(expected);
      expect(items[0]).toMatchObject({ url: expect.stringMatching(new RegExp(`^/v1/kb/articles/[a-z0-9-]+\\?lang=${lang}$`)) });
    });

    it('never suggests an article of a category that needs a person, though search finds it', async () => {
      const created = await harness.request('POST', '/v1/kb/articles', { token: agent, body: { id: 'frozen-withdrawal-help', category: 'withdrawal_issue', tags: [], sourceLanguage: 'en' } });
      expect(created.status).toBe(201);
      await harness.request('PUT', '/v1/kb/articles/frozen-withdrawal-help/translations/en', { token: agent, body: { title: 'Zyxwvut frozen withdrawal', body: 'Zyxwvut' } });
      await harness.request('POST', '/v1/kb/articles/frozen-withdrawal-help/publish', { token: agent });
      const suggested = await harness.request('GET', '/v1/kb/suggest?q=zyxwvut&lang=en');
      expect((suggested.body as { items: Hit[] }).items).toEqual([]);
      const found = await harness.request('GET', '/v1/kb/articles?q=zyxwvut&lang=en');
      expect((found.body as { items: Hit[] }).items.map((item) => item.id)).toEqual(['frozen-withdrawal-help']);
    });
  });

  describe('search', () => {
    it('tolerates typos in Latin-script words and filters by category', async () => {
      const reply = await harness.request('GET', `/v1/kb/articles?q=${encodeURIComponent('verificaton levls limts')}&lang=en`);
      expect(reply.status).toBe(200);
      expect((reply.body as { items: Hit[] }).items.slice(0, 3).map((item) => item.id)).toContain('kyc-levels-and-limits');
      const filtered = await harness.request('GET', `/v1/kb/articles?q=${encodeURIComponent('limit')}&category=trading_issue`);
      const categories = new Set((filtered.body as { items: Hit[] }).items.map((item) => item.category));
      expect([...categories]).toEqual(['trading_issue']);
    });

    it('answers an empty list, not an error, for a query without words', async () => {
      const reply = await harness.request('GET', `/v1/kb/articles?q=${encodeURIComponent('🙂🙂 ?!')}`);
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({ items: [], nextCursor: null });
    });
  });

  describe('writing articles', () => {
    it('drafts, translates, publishes and archives; readers see published text only, with a fallback language; HTML is kept verbatim as JSON text', async () => {
      const html = '<script>alert(1)</script><img src=x onerror=alert(2)> **Bold**';
      expect((await harness.request('POST', '/v1/kb/articles', { token: agent, body: { id: 'html-article', category: 'general_inquiry', tags: ['html'], sourceLanguage: 'en' } })).status).toBe(201);
      await harness.request('PUT', '/v1/kb/articles/html-article/translations/en', { token: agent, body: { title: 'Script tags', body: html } });
      expect((await harness.request('GET', '/v1/kb/articles/html-article?lang=en')).status).toBe(404);
      const published = await harness.request('POST', '/v1/kb/articles/html-article/publish', { token: agent });
      expect(published.body).toMatchObject({ status: 'published', version: 1 });

      const read = await harness.request('GET', '/v1/kb/articles/html-article?lang=zh');
      expect(read.status).toBe(200);
      expect(read.contentType).toMatch(/^application\/json/);
      expect(read.headers.get('x-content-type-options')).toBe('nosniff');
      expect(read.body).toMatchObject({ body: html, language: 'en', requestedLanguage: 'zh', fallback: true, bodyFormat: 'markdown' });

      await harness.request('PUT', '/v1/kb/articles/html-article/translations/zh', { token: agent, body: { title: '脚本标签', body: '中文' } });
      const changed = await harness.request('PUT', '/v1/kb/articles/html-article/translations/en', { token: agent, body: { title: 'Script tags', body: 'changed' } });
      expect((changed.body as { translations: { language: string; outdated: boolean }[] }).translations).toEqual([
        expect.objectContaining({ language: 'en', outdated: false, sourceVersion: 2 }),
        expect.objectContaining({ language: 'zh', outdated: true, sourceVersion: 1 }),
      ]);
      // Readers still see version 1 until the article is published again.
      expect((await harness.request('GET', '/v1/kb/articles/html-article?lang=en')).body).toMatchObject({ body: html, version: 1 });

      const archived = await harness.request('POST', '/v1/kb/articles/html-article/archive', { token: agent });
      expect(archived.body).toMatchObject({ status: 'archived' });
      expect((await harness.request('GET', '/v1/kb/articles/html-article?lang=en')).status).toBe(404);
      expect((await harness.request('GET', '/v1/kb/articles?q=script')).body).toEqual({ items: [], nextCursor: null });
      expectProblem(await harness.request('POST', '/v1/kb/articles/html-article/publish', { token: agent }), 409);
    });

    it('is for staff: anonymous callers get 401, customers 403', async () => {
      const body = { category: 'general_inquiry', tags: [], sourceLanguage: 'en' };
      expectProblem(await harness.request('POST', '/v1/kb/articles', { body }), 401);
      expectProblem(await harness.request('POST', '/v1/kb/articles', { token: customer, body }), 403);
    });
  });

  describe('bad input: a clear problem, nothing written', () => {
    it.each([
      ['an empty q', 'GET', '/v1/kb/suggest?q=&lang=en', undefined, 'q'],
      ['a blank q', 'GET', '/v1/kb/articles?q=%20%20', undefined, 'q'],
      ['an unknown lang', 'GET', '/v1/kb/suggest?q=2fa&lang=de', undefined, 'lang'],
      ['an unknown lang on an article', 'GET', '/v1/kb/articles/reset-2fa-lost-phone?lang=xx', undefined, 'lang'],
      ['an unknown category', 'POST', '/v1/kb/articles', { category: 'refunds', tags: [], sourceLanguage: 'en' }, 'category'],
      ['an unknown source language', 'POST', '/v1/kb/articles', { category: 'api_support', tags: [], sourceLanguage: 'fr' }, 'sourceLanguage'],
      ['a 100 KB body', 'PUT', '/v1/kb/articles/reset-2fa-lost-phone/translations/en', { title: 'Big', body: 'x'.repeat(100 * 1024) }, 'body'],
      ['an empty body', 'PUT', '/v1/kb/articles/reset-2fa-lost-phone/translations/en', { title: 'Empty', body: '' }, 'body'],
      ['a translation in an unknown language', 'PUT', '/v1/kb/articles/reset-2fa-lost-phone/translations/de', { title: 'T', body: 'B' }, 'lang'],
      ['a malformed session id', 'POST', '/v1/kb/sessions/x/resolve', { articleId: 'reset-2fa-lost-phone' }, 'sessionId'],
    ])('%s → 400', async (_name, method, path, body, field) => {
      const before = await harness.runtime.eventStore.headPosition();
      const token = method === 'GET' ? undefined : path.includes('/sessions/') ? customer : agent;
      expectProblem(await harness.request(method, path, { token, body }), 400, field);
      expect(await harness.runtime.eventStore.headPosition()).toBe(before);
    });

    it('an article that does not exist is a 404 problem', async () => {
      expectProblem(await harness.request('GET', '/v1/kb/articles/no-such-article'), 404);
      expectProblem(await harness.request('POST', '/v1/kb/articles/no-such-article/publish', { token: agent }), 404);
    });
  });

  describe('deflection', () => {
    async function suggestIn(sessionId: string, q: string): Promise<Hit[]> {
      const reply = await harness.request('GET', `/v1/kb/suggest?q=${encodeURIComponent(q)}&lang=en&sessionId=${sessionId}`);
      expect(reply.body).toMatchObject({ sessionId });
      return (reply.body as { items: Hit[] }).items;
    }

    /** A TicketOpened carrying the session, as intake will write it (the field is not in its type yet). */
    async function ticketOpenedIn(sessionId: string): Promise<void> {
      const ticketId = newId();
      const at = new Date().toISOString();
      const appended = await harness.runtime.eventStore.append(
        `ticket-${ticketId}`,
        [
          {
            id: newId(),
            type: 'TicketOpened',
            schemaVersion: 1,
            data: { ticketId, customerId: 'cust-kb', channel: 'web_form', subject: 's', body: 'b', language: 'en', openedAt: at, sessionId },
            metadata: { ticketId, correlationId: 'c', causationId: 'c', actor: { kind: 'customer', id: 'cust-kb' }, occurredAt: at },
          },
        ],
        { expectedRevision: 'no_stream' },
      );
      await harness.runtime.projections.waitFor(appended.lastGlobalPosition);
    }

    it('counts a session solved by an article as deflected, one that opened a ticket after its suggestions as not; click-through and "didn’t help"', async () => {
      const deflected = `sess-${newId()}`;
      const notDeflected = `sess-${newId()}`;
      const [first] = await suggestIn(deflected, 'reset 2fa lost phone');
      expect((await harness.request('POST', `/v1/kb/sessions/${deflected}/clicks`, { token: customer, body: { articleId: first.id } })).status).toBe(204);
      expect((await harness.request('POST', `/v1/kb/sessions/${deflected}/resolve`, { token: customer, body: { articleId: first.id } })).status).toBe(204);

      const [shown] = await suggestIn(notDeflected, 'limit order not filled');
      expect((await harness.request('POST', `/v1/kb/sessions/${notDeflected}/feedback`, { token: customer, body: { articleId: shown.id, helpful: false } })).status).toBe(204);
      await ticketOpenedIn(notDeflected);

      // Not shown in the session: refused, nothing recorded.
      expectProblem(await harness.request('POST', `/v1/kb/sessions/${deflected}/clicks`, { token: customer, body: { articleId: 'kyc-review-time' } }), 400, 'articleId');

      const metrics = await harness.request('GET', '/v1/kb/metrics', { token: ops });
      expect(metrics.status).toBe(200);
      expect(metrics.body).toEqual({
        sessionsWithSuggestions: 2,
        deflectedSessions: 1,
        sessionsWithTicket: 1,
        deflectionRate: 0.5,
        sessionsWithClick: 1,
        clickThroughRate: 0.5,
        notHelpful: [{ articleId: shown.id, count: 1 }],
      });
      expectProblem(await harness.request('GET', '/v1/kb/metrics', { token: customer }), 403);

      const scrape = await fetch(`${harness.baseUrl}/metrics`).then((response) => response.text());
      expect(scrape).toMatch(/^ticketing_kb_deflection_rate 0\.5$/m);
      expect(scrape).toMatch(/^ticketing_kb_suggestion_click_through_rate 0\.5$/m);
      expect(scrape).toMatch(/^ticketing_kb_suggestions_total\{language="en"\} \d+$/m);
    });
  });

  describe('gRPC: ticketing.kb.v1.KnowledgeBase on the intake gRPC port', () => {
    let grpc: ContextGrpcClient;
    beforeAll(() => (grpc = new ContextGrpcClient(KB_PROTO_FILE, 'ticketing.kb.v1.KnowledgeBase', harness.grpcAddress)));
    afterAll(() => grpc.close());

    it('writes and publishes an article that REST readers then find', async () => {
      const created = await grpc.call('CreateArticle', { id: 'grpc-article', category: 'api_support', tags: ['api'], sourceLanguage: 'en' }, agent);
      expect(created).toMatchObject({ id: 'grpc-article', status: 'draft', category: 'api_support' });
      await grpc.call('UpdateArticleTranslation', { id: 'grpc-article', language: 'ko', title: 'API 서명 오류', body: '서명' }, agent);
      await grpc.call('UpdateArticleTranslation', { id: 'grpc-article', language: 'en', title: 'Signature errors', body: 'HMAC' }, agent);
      const published = await grpc.call('PublishArticle', { id: 'grpc-article' }, agent);
      expect(published).toMatchObject({ status: 'published', version: 1 });
      expect((await harness.request('GET', '/v1/kb/articles/grpc-article?lang=ko')).body).toMatchObject({ title: 'API 서명 오류', language: 'ko' });
      expect(await grpc.call('ArchiveArticle', { id: 'grpc-article' }, agent)).toMatchObject({ status: 'archived' });
    });

    it('refuses customers, unknown categories and unknown articles, writing nothing', async () => {
      const before = await harness.runtime.eventStore.headPosition();
      expect((await grpc.error('CreateArticle', { category: 'api_support', sourceLanguage: 'en' }, customer)).code).toBe(status.PERMISSION_DENIED);
      const invalid = await grpc.error('CreateArticle', { category: 'refunds', sourceLanguage: 'en' }, agent);
      expect(invalid.code).toBe(status.INVALID_ARGUMENT);
      expect(invalid.details).toContain('category');
      expect((await grpc.error('PublishArticle', { id: 'no-such-article' }, agent)).code).toBe(status.NOT_FOUND);
      expect(await harness.runtime.eventStore.headPosition()).toBe(before);
    });
  });
});
