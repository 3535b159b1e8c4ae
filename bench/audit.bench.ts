import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import {
  contentHashOf,
  TICKET_OPENED_SCHEMA_VERSION,
  type AgentReplied,
  type Category,
  type Channel,
  type ChannelDetails,
  type CustomerMessagePosted,
  type DeviationAssessed,
  type DisputeOpened,
  type EvidenceKind,
  type EvidenceSubmitted,
  type FirstResponseGiven,
  type Language,
  type SlaClockMet,
  type SlaClockPaused,
  type SlaClockResumed,
  type SlaClockStarted,
  type SlaPolicyApplied,
  type SlaTicketTracked,
  type TicketClassified,
  type TicketOpened,
  type TicketQueued,
  type TicketResolved,
} from '@ticketing/contracts';
import { deviationOf } from '@ticketing/disputes-domain';
import { verifyEvidenceBundle } from '@ticketing/evidence-bundle';
import { ChainVerifier, MemoryEventStore, openEventStore, verifyChainAsync, type EventStore, type NewEvent, type RecordedEvent } from '@ticketing/event-store';
import { ConcurrencyError, newId, type Actor, type EventMetadata } from '@ticketing/kernel';
import { publicKeyFromPem } from '@ticketing/platform';
import { MemorySubjectKeyStore, PersonalDataProtection, ProtectedEventStore, SqliteSubjectKeyStore } from '@ticketing/privacy';
import { matchesFilter, openReadStore, rebuildProjections, type ProjectionLogger } from '@ticketing/read-store';
import { chooseQueue, decidePriority, DEFAULT_ROUTING_RULES } from '@ticketing/routing-domain';
import { DEFAULT_COMPILED_POLICY, DEFAULT_WARNING_THRESHOLDS } from '@ticketing/sla-domain';
import { CONTEXT_PROJECTIONS } from '../apps/ticketing/src/contexts';
import { mintToken, startServer, TICKETING_START } from './intake.bench';
import { seededRandom } from './kb-corpus';

/**
 * `npm run bench -- audit` (issue #15's benchmark line): "History of a 1,000-event ticket p99;
 * state-at p99; verify of 1,000,000 events (events/s); rebuilding every projection from a
 * 1,000,000-event store, events/s against raw `readAll` in the same run." In four parts:
 * 1. Over HTTP against `ticketing start`: one ticket opened over REST, its streams then grown to
 *    1,000 events by direct appends (a second store on the server's SQLite file, as the CLI opens
 *    it) of public events, the server's consumers reacting as they do; history, state-at, verify
 *    and export timed as an auditor reads them.
 * 2. A 1,000,000-event embedded store (100,000 tickets × 10 events as the product writes them, on
 *    `ticket-`, `routing-` and `sla-` streams, plus agents, articles and 1,000 disputes): every
 *    stream's hash chain verified, beside raw `readAll` of the same store. Seeded as the application
 *    writes it: personal fields sealed under 20,000 customers' keys.
 * 3. Every read model of the product (CONTEXT_PROJECTIONS) rebuilt from that store into a fresh
 *    SQLite read store with `rebuildProjections`, personal data opened as the application reads it,
 *    beside raw `readAll` measured just before.
 * 4. Crypto-shredding: sealing and opening alone, intake-like appends with and without sealing (a
 *    known customer, a new customer each time), and erasing one customer's keys.
 */

const log = (line: string) => process.stdout.write(`${line}\n`);
const percentile = (sorted: readonly number[], p: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);
const fixed = (value: number, digits = 0) => (Number.isFinite(value) ? value.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '—');
const MiB = 1024 * 1024;
const mb = (bytes: number) => `${(bytes / MiB).toFixed(1)} MB`;
const load = () => `load average ${loadavg().map((value) => value.toFixed(2)).join(' ')}`;
const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));
const iso = (ms: number) => new Date(ms).toISOString();

/** Every write and read budget raised for the bench (the limiter still runs on every request). */
const LIMITS = { TICKETING_RATE_LIMIT_STAFF_WRITES: '1000000/s', TICKETING_RATE_LIMIT_READS: '1000000/s' } as const;

// ---------------------------------------------------------------------------------------------
// Events as the product writes them.

const MODEL_VERSION = 'base-c02b87e2189e';
const AGENTS = Array.from({ length: 20 }, (_, k) => `agent-${String(k + 1).padStart(2, '0')}`);
const ENGINE: Actor = { kind: 'service', id: 'trading-engine' };
const POSITION = { symbol: 'BTCUSDT', side: 'long', size: '0.75', leverage: '20', marginMode: 'isolated' } as const;
const TOLERANCE = '0.005';

/** What customers write, per category (English), with the subject a form would carry. */
const TEXTS: Readonly<Record<Category, readonly [string, string]>> = {
  account_access: ['Cannot log in', 'I cannot log in to my account, the 2FA code is rejected every time although the clock on my phone is right.'],
  security_incident: ['Account hacked', 'Someone logged into my account from another country and withdrew all my USDT, please freeze it now.'],
  withdrawal_issue: ['Withdrawal pending', 'My BTC withdrawal has been pending for three hours, please check'],
  deposit_missing: ['Deposit missing', 'I deposited 500 USDT on TRC20 yesterday and it is still not credited to my spot wallet.'],
  wrong_network_deposit: ['Wrong network', 'I sent ETH on BSC (BEP20) to my ERC20 deposit address and it never arrived.'],
  kyc_verification: ['KYC pending', 'My identity verification has been stuck at pending review for a week, I uploaded my passport twice.'],
  liquidation_dispute: ['Liquidation price was wrong', 'I was liquidated this morning and I do not think the liquidation price was right.'],
  trading_issue: ['Order not filled', 'My limit order was not filled although the price crossed it twice this afternoon.'],
  api_support: ['API signature', 'Every API request returns invalid signature since this morning, nothing changed on our side.'],
  fake_token_scam: ['Fake token?', 'I bought a token advertised in a Telegram group and I cannot sell it, is it a scam?'],
  general_inquiry: ['Fee schedule', 'Where can I find the fee schedule for spot trading, and is there a referral program?'],
};
const CATEGORY_MIX: readonly Category[] = [
  'withdrawal_issue', 'withdrawal_issue', 'deposit_missing', 'deposit_missing', 'account_access', 'account_access', 'general_inquiry', 'general_inquiry',
  'trading_issue', 'kyc_verification', 'wrong_network_deposit', 'api_support', 'security_incident', 'fake_token_scam', 'liquidation_dispute',
];
/** Russian and Chinese tickets (the intake bench's texts): a withdrawal problem each. */
const FOREIGN: Readonly<Partial<Record<Language, readonly [string, string]>>> = {
  ru: ['Вывод завис', 'Здравствуйте! Не могу вывести средства уже второй день, заявка висит в статусе ожидания. Помогите, пожалуйста.'],
  zh: ['提币一直在处理中', '您好，我的BTC提币已经处理中三个小时了，到现在还没有到账，请帮我查一下是什么原因。'],
};
const CHANNEL_MIX: readonly Channel[] = ['chat', 'chat', 'email', 'web_form', 'social', 'api'];

const event = <E extends { type: string; data: object }>(type: E['type'], data: E['data'], metadata: EventMetadata, schemaVersion = 1): NewEvent => ({
  id: newId(),
  type,
  schemaVersion,
  data: data as Record<string, unknown>,
  metadata,
});

const metadataOf = (ticketId: string | undefined, actor: Actor, occurredAt: string, correlationId: string, causationId = correlationId): EventMetadata => ({
  ...(ticketId !== undefined && { ticketId }),
  correlationId,
  causationId,
  actor,
  occurredAt,
});

function channelDetailsOf(channel: Channel, ticketId: string, n: number): ChannelDetails {
  switch (channel) {
    case 'chat':
      return { channel, sessionId: `chat-${n}` };
    case 'email':
      return { channel, fromAddress: `customer${n % 5_000}@example.com`, messageId: `<${ticketId}@mail.example.com>` };
    case 'web_form':
      return { channel, formId: 'futures-help' };
    case 'social':
      return { channel, platform: 'x', handle: `@customer${n % 5_000}`, postUrl: `https://x.com/customer${n % 5_000}/status/${1_800_000_000_000 + n}` };
    case 'api':
      return { channel, clientId: 'partner-app' };
  }
}

/** A clock's warnings: at each threshold's share of its duration. */
const warnAtOf = (startMs: number, durationMs: number) => DEFAULT_WARNING_THRESHOLDS.map((threshold) => iso(startMs + threshold * durationMs));

type Append = Readonly<{ stream: string; events: readonly NewEvent[]; expected: number | 'no_stream' }>;

/** One generated ticket: its appends in the order the product makes them, in two phases (opening; reply and resolution). */
type GeneratedTicket = Readonly<{ opening: readonly Append[]; closing: readonly Append[] }>;

const ticketIdOf = (n: number) => `0190f5a2-0a0d-7000-8000-${String(n).padStart(12, '0')}`;
/** Tickets opened 500 ms apart from here (simulated time; the stores stamp recordedAt with the wall clock). */
const T0 = Date.parse('2026-11-02T08:00:00.000Z');
const DISPUTE_EVERY = 100;

/**
 * Ticket `n`'s ten events as intake, routing and SLA append them: TicketOpened; TicketClassified +
 * TicketQueued (routing, one append); SlaTicketTracked + SlaPolicyApplied + SlaClockStarted
 * (first response; one append); then AgentReplied + FirstResponseGiven (one append), SlaClockMet,
 * TicketResolved. Every 100th ticket is a liquidation dispute with a case: DisputeOpened, then an
 * index price (EvidenceSubmitted + DeviationAssessed).
 */
function generateTicket(n: number, rand: () => number): GeneratedTicket {
  const ticketId = ticketIdOf(n);
  const openedMs = T0 + n * 500;
  const opened = iso(openedMs);
  const channel = CHANNEL_MIX[Math.floor(rand() * CHANNEL_MIX.length)];
  const roll = rand();
  const disputed = n % DISPUTE_EVERY === 7;
  const language: Language = disputed ? 'en' : roll < 0.08 ? 'ru' : roll < 0.16 ? 'zh' : 'en';
  const category: Category = disputed ? 'liquidation_dispute' : language === 'en' ? CATEGORY_MIX[Math.floor(rand() * CATEGORY_MIX.length)] : 'withdrawal_issue';
  const [givenSubject, body] = FOREIGN[language] ?? TEXTS[category];
  const withSubject = channel === 'email' || channel === 'web_form';
  const customerId = `cust-${n % 20_000}`;
  const customer: Actor = { kind: 'customer', id: customerId };
  const request = newId();
  const openedData: TicketOpened['data'] = {
    ticketId,
    customerId,
    channel,
    channelDetails: channelDetailsOf(channel, ticketId, n),
    subject: withSubject ? givenSubject : body.length <= 200 ? body : `${body.slice(0, 199)}…`,
    subjectDerived: !withSubject,
    body,
    language,
    languageGiven: channel === 'chat' ? language : null,
    detectedLanguage: language,
    languageFallback: false,
    assetContext: null,
    linkedFromTicketId: null,
    // One in five opened after the knowledge base's suggestions (a session that was not deflected).
    ...(n % 5 === 0 && { sessionId: `web-${n}` }),
    openedAt: opened,
  };
  const openedEvent = event<TicketOpened>('TicketOpened', openedData, metadataOf(ticketId, customer, opened, request), TICKET_OPENED_SCHEMA_VERSION);

  // Routing: classified and queued in one append, caused by TicketOpened.
  const classifiedMs = openedMs + 4 + Math.floor(rand() * 20);
  const { priority, signals } = decidePriority(category, { channel, assetAmountAboveThreshold: false }, DEFAULT_ROUTING_RULES.priority);
  const confidence = 0.55 + rand() * 0.45;
  const { queue, rule } = chooseQueue({ category, priority, channel, language, confidence }, DEFAULT_ROUTING_RULES);
  const routingMeta = metadataOf(ticketId, { kind: 'system', id: 'routing' }, iso(classifiedMs), request, openedEvent.id);
  const classified = event<TicketClassified>(
    'TicketClassified',
    { ticketId, channel, language, category, priority, confidence, modelVersion: MODEL_VERSION, signals: [...signals], classifiedAt: iso(classifiedMs) },
    routingMeta,
  );
  const queued = event<TicketQueued>('TicketQueued', { ticketId, queue, rule, queuedAt: iso(classifiedMs) }, routingMeta);

  // SLA: tracked, the policy chosen on opening, the first-response clock started.
  const slaMeta = metadataOf(ticketId, { kind: 'system', id: 'sla' }, iso(openedMs + 6 + Math.floor(rand() * 20)), request, openedEvent.id);
  const targets = DEFAULT_COMPILED_POLICY.targetsFor({ channel, language, priority: null, category: null, tier: null });
  const firstResponse = targets.find((target) => target.target === 'firstResponse')!;
  const tracked = event<SlaTicketTracked>('SlaTicketTracked', { ticketId, channel, language, openedAt: opened }, slaMeta);
  const applied = event<SlaPolicyApplied>(
    'SlaPolicyApplied',
    {
      ticketId,
      policyVersion: DEFAULT_COMPILED_POLICY.version,
      because: 'opened',
      priority: null,
      category: null,
      targets: targets.map(({ target, rule: ruleName, duration, calendar }) => ({ target, rule: ruleName, duration, calendar })),
      appliedAt: opened,
    },
    slaMeta,
  );
  const started = event<SlaClockStarted>(
    'SlaClockStarted',
    {
      ticketId,
      target: 'firstResponse',
      duration: firstResponse.duration,
      calendar: firstResponse.calendar,
      policyVersion: DEFAULT_COMPILED_POLICY.version,
      rule: firstResponse.rule,
      startedAt: opened,
      dueAt: iso(openedMs + firstResponse.durationMs),
      warnAt: warnAtOf(openedMs, firstResponse.durationMs),
    },
    slaMeta,
  );

  // An agent answers within the target (20–90% of it), the SLA clock is met, the ticket resolved 5–60 minutes later.
  const agentId = AGENTS[n % AGENTS.length];
  const agent: Actor = { kind: 'agent', id: agentId };
  const repliedMs = openedMs + Math.floor(firstResponse.durationMs * (0.2 + rand() * 0.7));
  const replied = iso(repliedMs);
  const replyRequest = newId();
  const replyMeta = metadataOf(ticketId, agent, replied, replyRequest);
  const reply = event<AgentReplied>(
    'AgentReplied',
    { ticketId, messageId: newId(), agentId, body: 'Thanks for reaching out. I am looking into it now and will update you here shortly.', postedAt: replied },
    replyMeta,
  );
  const firstGiven = event<FirstResponseGiven>(
    'FirstResponseGiven',
    { ticketId, agentId, channel, openedAt: opened, respondedAt: replied, elapsedSeconds: Math.round((repliedMs - openedMs) / 1000) },
    replyMeta,
  );
  const met = event<SlaClockMet>(
    'SlaClockMet',
    { ticketId, target: 'firstResponse', metAt: replied, elapsedSeconds: (repliedMs - openedMs) / 1000, withinTarget: true },
    metadataOf(ticketId, { kind: 'system', id: 'sla' }, iso(repliedMs + 5), replyRequest, reply.id),
  );
  const resolvedMs = repliedMs + 5 * 60_000 + Math.floor(rand() * 55 * 60_000);
  const resolved = event<TicketResolved>(
    'TicketResolved',
    { ticketId, resolutionCode: rand() < 0.8 ? 'fixed' : 'answered', by: agentId, resolvedAt: iso(resolvedMs), autoCloseAt: iso(resolvedMs + 3 * 86_400_000) },
    metadataOf(ticketId, agent, iso(resolvedMs), newId()),
  );

  const opening: Append[] = [
    { stream: `ticket-${ticketId}`, events: [openedEvent], expected: 'no_stream' },
    { stream: `routing-${ticketId}`, events: [classified, queued], expected: 'no_stream' },
    { stream: `sla-${ticketId}`, events: [tracked, applied, started], expected: 'no_stream' },
  ];
  const closing: Append[] = [
    { stream: `ticket-${ticketId}`, events: [reply, firstGiven], expected: 0 },
    { stream: `sla-${ticketId}`, events: [met], expected: 2 },
    { stream: `ticket-${ticketId}`, events: [resolved], expected: 2 },
  ];
  if (disputed) {
    const disputeMs = openedMs + 90_000;
    const liquidationPrice = `${20_000 + Math.floor(rand() * 10_000)}.${String(Math.floor(rand() * 1e6)).padStart(6, '0')}`;
    const liquidatedAt = iso(openedMs - 3_600_000);
    const openedCase = event<DisputeOpened>(
      'DisputeOpened',
      { ticketId, round: 1, customerId, position: POSITION, liquidationPrice, liquidatedAt, tolerance: TOLERANCE, openedBy: customer, openedAt: iso(disputeMs), appealOf: null },
      metadataOf(ticketId, customer, iso(disputeMs), newId()),
    );
    const indexPrice = (Number(liquidationPrice) * (1 + (rand() * 0.02 - 0.01))).toFixed(6);
    const content = { indexPrice, at: liquidatedAt, source: 'index-v3' };
    const evidenceMeta = metadataOf(ticketId, ENGINE, iso(disputeMs + 1_000), newId());
    const evidenceId = newId();
    const submitted = event<EvidenceSubmitted>(
      'EvidenceSubmitted',
      { ticketId, round: 1, evidenceId, kind: 'index_price', content, contentHash: contentHashOf(content), submittedBy: ENGINE, submittedAt: iso(disputeMs + 1_000) },
      evidenceMeta,
    );
    const deviation = deviationOf(liquidationPrice, indexPrice, TOLERANCE);
    const assessed = event<DeviationAssessed>(
      'DeviationAssessed',
      { ticketId, round: 1, deviation: deviation.deviation, tolerance: TOLERANCE, withinTolerance: deviation.withinTolerance, indexPrice, liquidationPrice, evidenceIds: [evidenceId], assessedAt: iso(disputeMs + 1_000) },
      evidenceMeta,
    );
    opening.push({ stream: `dispute-${ticketId}`, events: [openedCase], expected: 'no_stream' });
    closing.unshift({ stream: `dispute-${ticketId}`, events: [submitted, assessed], expected: 0 });
  }
  return { opening, closing };
}

/** Agents (profile saved, online) and knowledge-base articles (draft, English text, published), before any ticket. */
function staffAndArticles(): Append[] {
  const supervisor: Actor = { kind: 'supervisor', id: 'sup-1' };
  const appends: Append[] = [];
  const at = iso(T0 - 86_400_000);
  for (const agentId of AGENTS) {
    const profile = {
      displayName: agentId.replace('agent-', 'Agent '),
      languages: ['en', 'ru', 'zh'],
      skills: [...new Set(CATEGORY_MIX)],
      clearances: ['security', 'disputes', 'recovery'],
      capacity: { chat: 5, email: 10, web_form: 10, social: 5, api: 10 },
      timeZone: null,
      shifts: [],
    };
    appends.push({
      stream: `agent-${agentId}`,
      events: [
        event('AgentProfileSaved', { agentId, profile, savedBy: supervisor.id, savedAt: at }, metadataOf(undefined, supervisor, at, newId())),
        event('AgentAvailabilityChanged', { agentId, from: 'offline', to: 'online', by: agentId, changedAt: at }, metadataOf(undefined, { kind: 'agent', id: agentId }, at, newId())),
      ],
      expected: 'no_stream',
    });
  }
  for (const [category, [title, body]] of Object.entries(TEXTS).slice(0, 10)) {
    const articleId = `help-${category.replaceAll('_', '-')}`;
    const meta = metadataOf(undefined, { kind: 'agent', id: AGENTS[0] }, at, newId());
    appends.push({
      stream: `article-${articleId}`,
      events: [
        event('ArticleDraftCreated', { articleId, category, tags: [category.split('_')[0]], sourceLanguage: 'en', createdAt: at }, meta),
        event('ArticleTranslationSaved', { articleId, language: 'en', title, body: `${body}\n\nWhat to check first, and what to send us if it persists.`, sourceVersion: 0, savedAt: at }, meta),
        event('ArticlePublished', { articleId, version: 1, publishedAt: at }, meta),
      ],
      expected: 'no_stream',
    });
  }
  return appends;
}

// ---------------------------------------------------------------------------------------------
// HTTP helpers.

type Reply = { status: number; text: string; ms: number };

async function call(baseUrl: string, method: string, path: string, token: string, body?: unknown): Promise<Reply> {
  const started = performance.now();
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text, ms: performance.now() - started };
}

type Timed = Readonly<{ name: string; latencies: readonly number[]; bytes: number; last: string }>;

/** `count` requests one after another (one auditor reading), after `warm` unmeasured ones; every answer must be 200. */
async function timed(name: string, count: number, warm: number, request: () => Promise<Reply>): Promise<Timed> {
  for (let k = 0; k < warm; k++) await request();
  const latencies: number[] = [];
  let last = '';
  for (let k = 0; k < count; k++) {
    const reply = await request();
    if (reply.status !== 200) throw new Error(`${name}: ${reply.status} ${reply.text.slice(0, 300)}`);
    latencies.push(reply.ms);
    last = reply.text;
  }
  return { name, latencies: [...latencies].sort((a, b) => a - b), bytes: Buffer.byteLength(last, 'utf8'), last };
}

// ---------------------------------------------------------------------------------------------
// Part 1: one ticket with 1,000 events, over HTTP.

const BIG_TICKET_EVENTS = 1_000;
const PAUSES = 60;
const MESSAGE_PAIRS = 150;
const HISTORY_READS = 50;
const STATE_READS = 50;
const VERIFY_READS = 20;
const EXPORT_READS = 10;

const countOf = async (store: EventStore, stream: string): Promise<{ events: RecordedEvent[] }> => {
  const events: RecordedEvent[] = [];
  for await (const recorded of store.readStream(stream)) events.push(recorded);
  return { events };
};

/** Every event of the ticket's streams, as the audit context merges them (any order: counted only). */
async function ticketEvents(store: EventStore, ticketId: string): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  for (const prefix of ['ticket-', 'routing-', 'sla-', 'dispute-', 'recovery-']) all.push(...(await countOf(store, `${prefix}${ticketId}`)).events);
  return all;
}

/** Waits until the ticket's streams have not grown for `quietMs` (the server's consumers are done reacting). */
async function settle(store: EventStore, ticketId: string, quietMs = 1_500, limitMs = 60_000): Promise<number> {
  const started = performance.now();
  let count = (await ticketEvents(store, ticketId)).length;
  let since = performance.now();
  while (performance.now() - since < quietMs) {
    if (performance.now() - started > limitMs) throw new Error(`ticket ${ticketId} still growing after ${limitMs} ms`);
    await sleep(100);
    const now = (await ticketEvents(store, ticketId)).length;
    if (now !== count) {
      count = now;
      since = performance.now();
    }
  }
  return count;
}

/**
 * Appends to `stream` at its current revision, as a command handler does: the revision read first,
 * the append expecting it. Another writer in between (the server's consumers) is a ConcurrencyError:
 * read again and retry. Answers the retries.
 */
async function appendAtRevision(store: EventStore, stream: string, events: (last: RecordedEvent | undefined) => readonly NewEvent[]): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const { events: current } = await countOf(store, stream);
    const last = current[current.length - 1];
    try {
      await store.append(stream, events(last), { expectedRevision: last === undefined ? 'no_stream' : last.streamRevision });
      return attempt;
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || attempt > 10) throw error;
    }
  }
}

const TOP_UP_KINDS = ['statement', 'mark_price', 'funding', 'mark_price', 'statement'] as const satisfies readonly EvidenceKind[];

function evidenceItem(k: number, liquidatedMs: number): { kind: EvidenceKind; content: Record<string, unknown>; by: Actor } {
  const kind = TOP_UP_KINDS[k % TOP_UP_KINDS.length];
  if (kind === 'statement') return { kind, content: { text: `Statement ${k}: the mark price never touched my liquidation price; the index feed lagged during the crash.` }, by: { kind: 'customer', id: 'bench-audit-customer' } };
  if (kind === 'mark_price') return { kind, content: { markPrice: `${21_000 + k}.${String(k * 7919).padStart(6, '0').slice(0, 6)}`, at: iso(liquidatedMs - k * 1_000), source: 'mark-v2' }, by: ENGINE };
  return { kind, content: { rate: `-0.000${String(1_000 + k).slice(-4)}`, at: iso(liquidatedMs - k * 60_000), payment: `0.${String(k * 104_729).padStart(8, '0').slice(0, 8)}` }, by: ENGINE };
}

async function bigTicketOverHttp(baseUrl: string, dataDir: string): Promise<void> {
  const started = performance.now();
  const customerId = 'bench-audit-customer';
  const customer = mintToken(dataDir, 'customer', customerId);
  const auditor = mintToken(dataDir, 'auditor', 'bench-auditor');
  const opened = await call(baseUrl, 'POST', '/v1/tickets', customer, {
    channel: 'web_form',
    subject: 'Liquidation price was wrong',
    body: 'I was liquidated this morning on BTCUSDT and I do not think the liquidation price was right.',
    webForm: { formId: 'futures-help' },
  });
  if (opened.status !== 201) throw new Error(`open ticket: ${opened.status} ${opened.text.slice(0, 300)}`);
  const ticketId = (JSON.parse(opened.text) as { id: string }).id;

  // A second store on the server's file, as the CLI opens it: the server sees its commits at its next poll.
  const store = await openEventStore(`sqlite:${join(dataDir, 'events.db')}`);
  let retries = 0;
  let appended = 0;
  let counts: { afterOpen: number; beforeTopUp: number; final: number };
  try {
    const afterOpen = await settle(store, ticketId);
    const agent: Actor = { kind: 'agent', id: 'agent-bench' };
    const sla: Actor = { kind: 'system', id: 'sla' };

    // 1. The resolution clock paused and resumed (waiting on the customer and back), on `sla-<id>`.
    const slaEvents = (await countOf(store, `sla-${ticketId}`)).events;
    const schedule = [...slaEvents].reverse().find((recorded) => recorded.data['target'] === 'resolution' && typeof recorded.data['dueAt'] === 'string');
    if (schedule === undefined) throw new Error(`no resolution clock on sla-${ticketId}: ${slaEvents.map((recorded) => recorded.type).join(', ')}`);
    const startedMs = Date.parse(String(slaEvents.find((recorded) => recorded.type === 'SlaTicketTracked')?.data['openedAt']));
    let dueMs = Date.parse(String(schedule.data['dueAt']));
    let warnMs = (schedule.data['warnAt'] as string[]).map((at) => Date.parse(at));
    let pausedSeconds = 0;
    for (let k = 0; k < PAUSES; k++) {
      const pausedMs = Date.now();
      const pausedAt = iso(pausedMs);
      const cause = newId();
      retries += await appendAtRevision(store, `sla-${ticketId}`, () => [
        event<SlaClockPaused>('SlaClockPaused', { ticketId, target: 'resolution', pausedAt, elapsedSeconds: (pausedMs - startedMs) / 1000 - pausedSeconds }, metadataOf(ticketId, sla, pausedAt, cause)),
      ]);
      await sleep(5);
      const resumedMs = Date.now();
      pausedSeconds += (resumedMs - pausedMs) / 1000;
      dueMs += resumedMs - pausedMs;
      warnMs = warnMs.map((at) => at + resumedMs - pausedMs);
      retries += await appendAtRevision(store, `sla-${ticketId}`, () => [
        event<SlaClockResumed>('SlaClockResumed', { ticketId, target: 'resolution', resumedAt: iso(resumedMs), dueAt: iso(dueMs), warnAt: warnMs.map(iso) }, metadataOf(ticketId, sla, iso(resumedMs), newId())),
      ]);
      appended += 2;
    }

    // 2. A dispute case on `dispute-<id>`.
    const liquidatedMs = Date.now() - 3_600_000;
    const customerActor: Actor = { kind: 'customer', id: customerId };
    const openedAt = iso(Date.now());
    retries += await appendAtRevision(store, `dispute-${ticketId}`, () => [
      event<DisputeOpened>(
        'DisputeOpened',
        { ticketId, round: 1, customerId, position: POSITION, liquidationPrice: '21427.698125', liquidatedAt: iso(liquidatedMs), tolerance: TOLERANCE, openedBy: customerActor, openedAt, appealOf: null },
        metadataOf(ticketId, customerActor, openedAt, newId()),
      ),
    ]);
    appended += 1;

    // 3. The conversation on `ticket-<id>`: agent replies (the first with FirstResponseGiven) and customer messages, one command each.
    const openedMs = Date.parse((JSON.parse(opened.text) as { createdAt: string }).createdAt);
    for (let k = 0; k < MESSAGE_PAIRS; k++) {
      const repliedAt = iso(Date.now());
      const replyMeta = metadataOf(ticketId, agent, repliedAt, newId());
      const reply = event<AgentReplied>('AgentReplied', { ticketId, messageId: newId(), agentId: agent.id, body: `Update ${k}: we are still checking the index feed for your liquidation.`, postedAt: repliedAt }, replyMeta);
      const first = event<FirstResponseGiven>(
        'FirstResponseGiven',
        { ticketId, agentId: agent.id, channel: 'web_form', openedAt: iso(openedMs), respondedAt: repliedAt, elapsedSeconds: Math.round((Date.parse(repliedAt) - openedMs) / 1000) },
        replyMeta,
      );
      retries += await appendAtRevision(store, `ticket-${ticketId}`, () => (k === 0 ? [reply, first] : [reply]));
      const postedAt = iso(Date.now());
      retries += await appendAtRevision(store, `ticket-${ticketId}`, () => [
        event<CustomerMessagePosted>('CustomerMessagePosted', { ticketId, messageId: newId(), customerId, body: `Message ${k}: any news on my case?`, postedAt }, metadataOf(ticketId, customerActor, postedAt, newId())),
      ]);
      appended += k === 0 ? 3 : 2;
    }
    const beforeTopUp = await settle(store, ticketId, 2_000);

    // 4. Evidence up to exactly BIG_TICKET_EVENTS events in the ticket's streams.
    for (let k = 0; beforeTopUp + k < BIG_TICKET_EVENTS; k++) {
      const item = evidenceItem(k, liquidatedMs);
      const at = iso(Date.now());
      retries += await appendAtRevision(store, `dispute-${ticketId}`, () => [
        event<EvidenceSubmitted>(
          'EvidenceSubmitted',
          { ticketId, round: 1, evidenceId: newId(), kind: item.kind, content: item.content, contentHash: contentHashOf(item.content), submittedBy: item.by, submittedAt: at },
          metadataOf(ticketId, item.by, at, newId()),
        ),
      ]);
      appended += 1;
    }
    counts = { afterOpen, beforeTopUp, final: await settle(store, ticketId, 2_000) };
  } finally {
    await store.close();
  }
  const seedMs = performance.now() - started;

  // The middle of the history: the position of its 500th event.
  const whole = await call(baseUrl, 'GET', `/v1/audit/tickets/${ticketId}/history?limit=${BIG_TICKET_EVENTS}`, auditor);
  const page = JSON.parse(whole.text) as { events: { position: number; streamName: string; type: string }[]; nextCursor: string | null };
  const middle = page.events[Math.floor(page.events.length / 2) - 1].position;
  const byStream = new Map<string, number>();
  for (const entry of page.events) byStream.set(entry.streamName.split('-')[0], (byStream.get(entry.streamName.split('-')[0]) ?? 0) + 1);

  const history = await timed(`GET …/history?limit=${BIG_TICKET_EVENTS}`, HISTORY_READS, 3, () => call(baseUrl, 'GET', `/v1/audit/tickets/${ticketId}/history?limit=${BIG_TICKET_EVENTS}`, auditor));
  const state = await timed(`GET …/state?at=${middle} (the 500th event)`, STATE_READS, 3, () => call(baseUrl, 'GET', `/v1/audit/tickets/${ticketId}/state?at=${middle}`, auditor));
  const verify = await timed('GET …/verify', VERIFY_READS, 2, () => call(baseUrl, 'GET', `/v1/audit/tickets/${ticketId}/verify`, auditor));
  const exported = await timed('GET …/export (signed bundle)', EXPORT_READS, 1, () => call(baseUrl, 'GET', `/v1/audit/tickets/${ticketId}/export`, auditor));

  const verdict = JSON.parse(verify.last) as { valid: boolean; streams: { streamName: string; events: number }[] };
  const stateAt = JSON.parse(state.last) as { existed: boolean; at: unknown; intake?: { status?: string; messageCounts?: unknown } };
  const key = JSON.parse((await call(baseUrl, 'GET', '/v1/disputes/signing-key', auditor)).text) as { publicKeyPem: string };
  const offline = verifyEvidenceBundle(JSON.parse(exported.last) as unknown, publicKeyFromPem(key.publicKeyPem));
  const historyCount = (JSON.parse(history.last) as { events: unknown[]; nextCursor: string | null }).events.length;

  log('');
  log(
    `audit bench, part 1, over HTTP: \`ticketing start\` (every context, embedded SQLite, \`npm start\`'s node flags); one web-form ticket opened over REST, then its streams grown ` +
      `by direct appends of public events through a second store on the server's events.db (as the CLI opens it), each at the stream's revision read just before, ` +
      `the server's consumers reacting as they do (SLA's next-response clocks); an auditor's GETs one at a time; every read is recorded first (AuditAccessed, an fsynced append); ` +
      `rate limits raised: ${Object.entries(LIMITS).map(([name, value]) => `${name}=${value}`).join(' ')}; ${load()}`,
  );
  log(
    `the ticket: ${fixed(counts.afterOpen)} events once opened (intake, routing, SLA), ${fixed(appended)} appended here (${PAUSES} pause/resume pairs on sla-, DisputeOpened + evidence on dispute-, ` +
      `${MESSAGE_PAIRS} agent replies + ${MESSAGE_PAIRS} customer messages on ticket-), ${fixed(counts.final - counts.afterOpen - appended)} appended by the server's consumers in reaction; ` +
      `${fixed(counts.final)} in all (${[...byStream.entries()].map(([prefix, count]) => `${prefix}- ${fixed(count)}`).join(', ')}); retried appends (a consumer wrote first): ${fixed(retries)}; built in ${fixed(seedMs / 1000, 1)} s`,
  );
  log(`${'request'.padEnd(44)} ${'runs'.padStart(5)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(8)} ${'answer KB'.padStart(10)}`);
  for (const result of [history, state, verify, exported]) {
    log(
      `${result.name.padEnd(44)} ${String(result.latencies.length).padStart(5)} ${fixed(percentile(result.latencies, 50), 1).padStart(8)} ${fixed(percentile(result.latencies, 99), 1).padStart(8)} ` +
        `${fixed(result.latencies[result.latencies.length - 1], 1).padStart(8)} ${fixed(result.bytes / 1024, 1).padStart(10)}`,
    );
  }
  log(
    `checks: history answers ${fixed(historyCount)} events, nextCursor ${page.nextCursor === null ? 'null' : 'set'}; state at ${middle}: existed ${String(stateAt.existed)}, ` +
      `intake status ${stateAt.intake?.status ?? '—'}; verify: valid ${String(verdict.valid)} over ${verdict.streams.map((stream) => `${stream.streamName.split('-')[0]} ${stream.events}`).join(', ')}; ` +
      `the export verifies offline (verifyEvidenceBundle): ${offline.valid ? 'valid' : `NOT VALID: ${(offline as { problem?: string }).problem}`}; with ${HISTORY_READS} runs p99 is their maximum`,
  );
  log(
    `summary: history of a ${fixed(counts.final)}-event ticket p99 ${fixed(percentile(history.latencies, 99), 1)} ms (p50 ${fixed(percentile(history.latencies, 50), 1)}); ` +
      `state-at p99 ${fixed(percentile(state.latencies, 99), 1)} ms (p50 ${fixed(percentile(state.latencies, 50), 1)}); verify p50 ${fixed(percentile(verify.latencies, 50), 1)} ms; ` +
      `export p50 ${fixed(percentile(exported.latencies, 50), 1)} ms (${fixed(exported.bytes / 1024)} KB); part 1 took ${fixed((performance.now() - started) / 1000, 1)} s`,
  );
}

// ---------------------------------------------------------------------------------------------
// Parts 2 and 3: a 1,000,000-event store.

const TICKETS = 100_000;
/** Tickets per wave: a wave appends the openings of its tickets and the replies and resolutions of the wave before, in one group commit. */
const WAVE = 1_000;

function diskOf(dir: string, prefix: string): number {
  return readdirSync(dir)
    .filter((name) => name.startsWith(prefix))
    .reduce((total, name) => total + statSync(join(dir, name)).size, 0);
}

/** The store as the application opens it: personal fields sealed on append and opened on read, keys in `keys.db` beside it. */
async function openProtected(path: string, synchronous?: 'NORMAL'): Promise<ProtectedEventStore> {
  const stored = await openEventStore(`sqlite:${path}`, synchronous === undefined ? {} : { synchronous });
  const keys = new SqliteSubjectKeyStore({ path: join(path, '..', 'keys.db') });
  const protection = new PersonalDataProtection({ keys, storedEvents: stored });
  const store = new ProtectedEventStore(stored, protection);
  return Object.assign(store, {
    close: async () => {
      await keys.close();
      await stored.close();
    },
  });
}

async function seedStore(path: string): Promise<{ events: number; ms: number }> {
  // Seeding is not what is measured: without an fsync per commit, as sla.bench seeds its clocks
  // (the key store keeps its fsyncs: one commit per new customer). Sealed as the application seals.
  const store = await openProtected(path, 'NORMAL');
  const started = performance.now();
  const rand = seededRandom(15_015);
  const run = (appends: readonly Append[]) => Promise.all(appends.map((append) => store.append(append.stream, append.events, { expectedRevision: append.expected })));
  try {
    await run(staffAndArticles());
    let previous: GeneratedTicket[] = [];
    for (let first = 0; first < TICKETS + WAVE; first += WAVE) {
      const wave = Array.from({ length: Math.max(0, Math.min(WAVE, TICKETS - first)) }, (_, k) => generateTicket(first + k, rand));
      // Called in one turn of the event loop: one write transaction for the wave (the store's group commit).
      await run([...wave.flatMap((ticket) => ticket.opening), ...previous.flatMap((ticket) => ticket.closing)]);
      previous = wave;
    }
    const ms = performance.now() - started;
    const events = await store.headPosition();
    return { events, ms };
  } finally {
    await store.close();
  }
}

async function rawReadAll(store: EventStore): Promise<{ events: number; ms: number; perSecond: number }> {
  const started = performance.now();
  let events = 0;
  for await (const _event of store.readAll()) events++;
  const ms = performance.now() - started;
  return { events, ms, perSecond: (events / ms) * 1000 };
}

type Rate = Readonly<{ events: number; ms: number; perSecond: number }>;

/** One pass over the log, a ChainVerifier per stream: every link and every hash. */
async function verifyInOnePass(store: EventStore): Promise<Rate & { streams: string[]; broken: number }> {
  const started = performance.now();
  const verifiers = new Map<string, ChainVerifier>();
  let events = 0;
  for await (const recorded of store.readAll()) {
    let verifier = verifiers.get(recorded.streamName);
    if (verifier === undefined) verifiers.set(recorded.streamName, (verifier = new ChainVerifier()));
    verifier.push(recorded);
    events++;
  }
  let broken = 0;
  for (const verifier of verifiers.values()) if (!verifier.result().valid) broken++;
  const ms = performance.now() - started;
  return { events, ms, perSecond: (events / ms) * 1000, streams: [...verifiers.keys()], broken };
}

/** Each stream read on its own and verified as the audit context's verify does (verifyChainAsync over readStream). */
async function verifyStreamByStream(store: EventStore, streams: readonly string[]): Promise<Rate & { broken: number }> {
  const started = performance.now();
  let events = 0;
  let broken = 0;
  for (const stream of streams) {
    const result = await verifyChainAsync(store.readStream(stream));
    events += result.eventsChecked;
    if (!result.valid) broken++;
  }
  const ms = performance.now() - started;
  return { events, ms, perSecond: (events / ms) * 1000, broken };
}

async function millionEvents(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'audit-bench-'));
  const eventsPath = join(dir, 'events.db');
  try {
    const seeded = await seedStore(eventsPath);
    // Read as `ticketing start` opens it (synchronous=FULL; reads are unaffected).
    const opened = await openProtected(eventsPath);
    const store = opened.stored;
    let before: Rate;
    let revealed: Rate;
    let onePass: Awaited<ReturnType<typeof verifyInOnePass>>;
    let byStream: Awaited<ReturnType<typeof verifyStreamByStream>>;
    try {
      await rawReadAll(store); // warm-up: page cache and JIT, not measured
      before = await rawReadAll(store);
      revealed = await rawReadAll(opened);
      onePass = await verifyInOnePass(store);
      byStream = await verifyStreamByStream(store, onePass.streams);
    } finally {
      await opened.close();
    }
    const streamsByPrefix = new Map<string, number>();
    for (const stream of onePass.streams) streamsByPrefix.set(stream.split('-')[0], (streamsByPrefix.get(stream.split('-')[0]) ?? 0) + 1);

    log('');
    log(
      `audit bench, part 2, verify of ${fixed(seeded.events)} events: an embedded SQLite event store (temporary directory) holding ${fixed(TICKETS)} tickets × 10 events as intake, routing and SLA ` +
        `write them (TicketOpened; TicketClassified + TicketQueued; SlaTicketTracked + SlaPolicyApplied + SlaClockStarted; AgentReplied + FirstResponseGiven; SlaClockMet; TicketResolved), ` +
        `every ${DISPUTE_EVERY}th a liquidation dispute (DisputeOpened, EvidenceSubmitted + DeviationAssessed), ${AGENTS.length} agents and 10 articles; ${load()}`,
    );
    log(`${'figure'.padEnd(60)} ${'value'.padStart(34)}`);
    const row = (name: string, value: string) => log(`${name.padEnd(60)} ${value.padStart(34)}`);
    row(`seeding (appends in waves of ${fixed(WAVE)} tickets, synchronous=NORMAL)`, `${fixed(seeded.ms / 1000, 1)} s, ${fixed((seeded.events / seeded.ms) * 1000)} ev/s`);
    row('events / streams', `${fixed(seeded.events)} / ${fixed(onePass.streams.length)}`);
    row('  streams by prefix', [...streamsByPrefix.entries()].map(([prefix, count]) => `${prefix} ${fixed(count)}`).join(', '));
    row('event store on disk (events.db + -wal)', mb(diskOf(dir, 'events.db')));
    row('raw readAll (store.readAll, every event, after a warm-up pass)', `${fixed(before.ms / 1000, 2)} s, ${fixed(before.perSecond)} ev/s`);
    row('readAll with personal data opened (what readers get)', `${fixed(revealed.ms / 1000, 2)} s, ${fixed(revealed.perSecond)} ev/s (${((revealed.perSecond / before.perSecond) * 100).toFixed(0)}%)`);
    row('verify, one readAll pass, a ChainVerifier per stream', `${fixed(onePass.ms / 1000, 2)} s, ${fixed(onePass.perSecond)} ev/s`);
    row('  ratio to raw readAll', `${((onePass.perSecond / before.perSecond) * 100).toFixed(1)}%`);
    row('verify, stream by stream (verifyChainAsync(readStream))', `${fixed(byStream.ms / 1000, 2)} s, ${fixed(byStream.perSecond)} ev/s`);
    row('  ratio to raw readAll', `${((byStream.perSecond / before.perSecond) * 100).toFixed(1)}%`);
    row('chains broken (one pass / stream by stream)', `${fixed(onePass.broken)} / ${fixed(byStream.broken)} of ${fixed(onePass.streams.length)}`);
    log(
      `summary: verify of ${fixed(onePass.events)} events ${fixed(onePass.perSecond)} ev/s in one pass (${((onePass.perSecond / before.perSecond) * 100).toFixed(0)}% of raw readAll's ${fixed(before.perSecond)} ev/s), ` +
        `${fixed(byStream.perSecond)} ev/s stream by stream (${fixed(byStream.events)} events over ${fixed(onePass.streams.length)} streams)`,
    );

    await rebuildEverything(dir, eventsPath, seeded.events);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Per projection, the events of the store its filter selects (one GROUP BY over the store, not timed). */
function matchedEvents(eventsPath: string): Map<string, number> {
  const db = new Database(eventsPath, { readonly: true });
  const rows = db.prepare(`SELECT type, substr(stream_name, 1, instr(stream_name, '-')) AS prefix, count(*) AS n FROM es_events GROUP BY 1, 2`).all() as { type: string; prefix: string; n: number }[];
  db.close();
  const matched = new Map<string, number>();
  for (const projection of CONTEXT_PROJECTIONS) {
    matched.set(
      projection.name,
      rows.filter((row) => matchesFilter(projection.filter, { type: row.type, streamName: `${row.prefix}x` })).reduce((total, row) => total + row.n, 0),
    );
  }
  return matched;
}

async function rebuildEverything(dir: string, eventsPath: string, total: number): Promise<void> {
  const matched = matchedEvents(eventsPath);
  // Projections read personal data opened, as in the application.
  const store = await openProtected(eventsPath);
  const readPath = join(dir, 'read.db');
  let raw: Rate;
  let wallMs: number;
  const finished: { name: string; at: number }[] = [];
  const warnings: string[] = [];
  let statuses: Awaited<ReturnType<typeof rebuildProjections>>;
  try {
    raw = await rawReadAll(store.stored);
    // A fresh read store, opened as `ticketing start` opens it.
    const readStore = await openReadStore(`sqlite:${readPath}`, { synchronous: 'NORMAL' });
    const logger: ProjectionLogger = {
      info: (details, message) => {
        if (message === 'projection replayed') finished.push({ name: String((details as { projection: string }).projection), at: performance.now() });
      },
      warn: (details, message) => warnings.push(`${message} ${JSON.stringify(details)}`),
      error: (details, message) => warnings.push(`${message} ${JSON.stringify(details)}`),
    };
    const started = performance.now();
    try {
      statuses = await rebuildProjections({ readStore, eventStore: store, projections: CONTEXT_PROJECTIONS, logger });
    } finally {
      wallMs = performance.now() - started;
      await readStore.close();
    }
    finished.unshift({ name: '', at: started });
  } finally {
    await store.close();
  }
  const readDb = new Database(readPath, { readonly: true });
  const rowsOf = (table: string) => (readDb.prepare(`SELECT count(*) AS n FROM "${table}"`).get() as { n: number }).n;
  const perSecond = (total / wallMs) * 1000;

  log('');
  log(
    `audit bench, part 3, rebuild of every projection of the product (CONTEXT_PROJECTIONS: ${CONTEXT_PROJECTIONS.length} read models) ` +
      `from part 2's ${fixed(total)}-event store, personal data opened as the application reads it, into a fresh SQLite read store (synchronous=NORMAL, as \`ticketing start\` opens it) with rebuildProjections ` +
      `(one projection after another, each replaying the log through its own filter; default batches of 500 events, readAll pages of 2,000); raw readAll measured just before, in the same process; ${load()}`,
  );
  log(`${'projection'.padEnd(20)} ${'version'.padStart(7)} ${'events taken'.padStart(13)} ${'wall s'.padStart(8)} ${'taken ev/s'.padStart(11)} ${'checkpoint'.padStart(11)} ${'state'.padStart(9)}  rows`);
  for (let k = 1; k < finished.length; k++) {
    const name = finished[k].name;
    const projection = CONTEXT_PROJECTIONS.find((candidate) => candidate.name === name)!;
    const status = statuses.find((candidate) => candidate.name === name);
    const ms = finished[k].at - finished[k - 1].at;
    const taken = matched.get(name) ?? 0;
    log(
      `${name.padEnd(20)} ${String(projection.version).padStart(7)} ${fixed(taken).padStart(13)} ${fixed(ms / 1000, 2).padStart(8)} ${fixed((taken / ms) * 1000).padStart(11)} ` +
        `${fixed(status?.checkpoint ?? NaN).padStart(11)} ${(status?.state ?? '—').padStart(9)}  ${projection.tables.map((table) => `${table} ${fixed(rowsOf(table))}`).join(', ')}`,
    );
  }
  readDb.close();
  const applied = [...matched.values()].reduce((sum, count) => sum + count, 0);
  log(`${'every projection'.padEnd(20)} ${''.padStart(7)} ${fixed(applied).padStart(13)} ${fixed(wallMs / 1000, 2).padStart(8)} ${fixed((applied / wallMs) * 1000).padStart(11)}`);
  log(`read store on disk: ${mb(diskOf(dir, 'read.db'))}; warnings or errors from the projections: ${warnings.length === 0 ? 'none' : warnings.slice(0, 3).join(' | ')}`);
  log(
    `notes: "events taken" = the store's events each projection's filter selects (counted with one GROUP BY, not timed); a projection's wall time runs from the end of the previous one's replay ` +
      `(drop, migrations, replay). Store events/s = all ${fixed(total)} events of the log / the whole rebuild's wall time.`,
  );
  log(
    `summary: rebuilding every projection from a ${fixed(total)}-event store took ${fixed(wallMs / 1000, 1)} s: ${fixed(perSecond)} store events/s against raw readAll's ${fixed(raw.perSecond)} ev/s ` +
      `in the same run (${((perSecond / raw.perSecond) * 100).toFixed(1)}%; ${fixed(applied)} projection applications, ${fixed((applied / wallMs) * 1000)}/s)`,
  );
}

// ---- Part 4: crypto-shredding ----------------------------------------------------------------

const SHRED_TICKETS = 20_000;
/** Appends in flight at once, as concurrent HTTP requests share the store's group commits. */
const SHRED_CONCURRENCY = 50;

/** Opens `count` tickets one append each, `SHRED_CONCURRENCY` at a time; appends per second. */
async function openTickets(store: EventStore, openings: readonly NewEvent[]): Promise<number> {
  const started = performance.now();
  for (let first = 0; first < openings.length; first += SHRED_CONCURRENCY) {
    await Promise.all(
      openings.slice(first, first + SHRED_CONCURRENCY).map((opening) => store.append(`ticket-${String(opening.data['ticketId'])}`, [opening], { expectedRevision: 'no_stream' })),
    );
  }
  return (openings.length / (performance.now() - started)) * 1000;
}

async function cryptoShredding(): Promise<void> {
  const rand = seededRandom(4_242);
  const openingOf = (n: number, customerId: string): NewEvent => {
    const opened = generateTicket(1_000_000 + n, rand).opening[0].events[0];
    return { ...opened, id: newId(), data: { ...opened.data, customerId } };
  };
  const oneCustomer = Array.from({ length: SHRED_TICKETS }, (_, n) => openingOf(n, 'bench-one-customer'));
  const newCustomers = Array.from({ length: SHRED_TICKETS }, (_, n) => openingOf(SHRED_TICKETS + n, `bench-new-${n}`));
  const plain = Array.from({ length: SHRED_TICKETS }, (_, n) => openingOf(2 * SHRED_TICKETS + n, 'bench-plain'));

  // In memory: the cost of sealing and opening alone.
  const memoryStored = new MemoryEventStore();
  const protection = new PersonalDataProtection({ keys: new MemorySubjectKeyStore(), storedEvents: memoryStored });
  let started = performance.now();
  const sealed: NewEvent[] = [];
  for (const opening of oneCustomer) sealed.push(...(await protection.seal([opening])));
  const sealPerSecond = (SHRED_TICKETS / (performance.now() - started)) * 1000;
  for (const event of sealed) await memoryStored.append(`ticket-${String(event.data['ticketId'])}`, [event], { expectedRevision: 'any' });
  const recorded: RecordedEvent[] = [];
  for await (const event of memoryStored.readAll()) recorded.push(event);
  started = performance.now();
  for (const event of recorded) await protection.reveal(event);
  const openPerSecond = (recorded.length / (performance.now() - started)) * 1000;

  // On SQLite, as intake appends (synchronous=FULL): the store alone, sealed for a known customer, sealed for a new one each time.
  const dir = mkdtempSync(join(tmpdir(), 'audit-bench-shred-'));
  try {
    const raw = await openEventStore(`sqlite:${join(dir, 'plain', 'events.db')}`);
    const rawPerSecond = await openTickets(raw, plain).finally(() => raw.close());
    const known = await openProtected(join(dir, 'known', 'events.db'));
    const knownPerSecond = await openTickets(known, oneCustomer).finally(() => known.close());
    const fresh = await openProtected(join(dir, 'fresh', 'events.db'));
    const freshPerSecond = await openTickets(fresh, newCustomers);
    // Erasing one customer among 20,000: the key row, the WAL checkpoint and truncation.
    const erasures: number[] = [];
    for (let n = 0; n < 50; n++) {
      const at = performance.now();
      await fresh.protection.keys.erase(`bench-new-${n * 97}`, new Date().toISOString());
      erasures.push(performance.now() - at);
    }
    await fresh.close();
    erasures.sort((a, b) => a - b);

    log('');
    log(
      `audit bench, part 4, crypto-shredding: ${fixed(SHRED_TICKETS)} TicketOpened events (subject, body and channel details sealed with AES-256-GCM under the customer's key); ` +
        `SQLite appends one ticket each, ${SHRED_CONCURRENCY} in flight (synchronous=FULL, as intake appends; keys.db synchronous=FULL); ${load()}`,
    );
    log(`${'figure'.padEnd(60)} ${'value'.padStart(34)}`);
    const row = (name: string, value: string) => log(`${name.padEnd(60)} ${value.padStart(34)}`);
    row('seal (in memory, key known)', `${fixed(sealPerSecond)} events/s`);
    row('open (in memory, key cached)', `${fixed(openPerSecond)} events/s`);
    row('appends, store alone', `${fixed(rawPerSecond)} tickets/s`);
    row('appends, sealed, one known customer', `${fixed(knownPerSecond)} tickets/s (${((knownPerSecond / rawPerSecond) * 100).toFixed(0)}%)`);
    row('appends, sealed, a new customer (new key) each', `${fixed(freshPerSecond)} tickets/s (${((freshPerSecond / rawPerSecond) * 100).toFixed(0)}%)`);
    row('erase one customer of 20,000 (keys.db), p50 / p99', `${fixed(percentile(erasures, 50), 1)} / ${fixed(percentile(erasures, 99), 1)} ms`);
    log(
      `summary: sealing costs ${fixed(sealPerSecond)} events/s of CPU and opening ${fixed(openPerSecond)}/s; appends run at ${((knownPerSecond / rawPerSecond) * 100).toFixed(0)}% of the store alone for a known customer, ` +
        `${((freshPerSecond / rawPerSecond) * 100).toFixed(0)}% when each ticket brings a new customer (one more fsync'd commit in keys.db); the read models' rebuild after an erasure costs part 3's wall time`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------

/** `npm run bench -- audit`: the four parts above, under seven minutes on two cores. */
export async function runAuditBench(): Promise<void> {
  const started = performance.now();
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  log('');
  log(`audit bench: ${availableParallelism()} cores (${cpu}), Node ${process.version}, ${load()} at the start`);
  const dataDir = mkdtempSync(join(tmpdir(), 'audit-bench-http-'));
  const { child, baseUrl } = await startServer(dataDir, TICKETING_START, LIMITS);
  try {
    await bigTicketOverHttp(baseUrl, dataDir);
  } finally {
    child.kill('SIGTERM');
    await new Promise((done) => child.once('exit', done));
    rmSync(dataDir, { recursive: true, force: true });
  }
  await millionEvents();
  await cryptoShredding();
  log(`audit bench: ${fixed((performance.now() - started) / 1000)} s in all, ${load()} at the end`);
}
