import { existsSync, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ConcurrencyError, deterministicId, systemActor, type Clock } from '@ticketing/kernel';
import { CATEGORIES, kbStreams, LANGUAGES, type ArticleEvent, type Category, type Language } from '@ticketing/contracts';
import type { EventStore } from '@ticketing/event-store';
import { articleDecider, decideArticle, type ArticleCommand, type ArticleState } from '@ticketing/kb-domain';
import { ARTICLE_ID_PATTERN, MAX_BODY_LENGTH, MAX_TITLE_LENGTH } from '../http/kb.dto';

const STARTER_DIR_IN_REPO = join('data', 'kb');
const STARTER_ACTOR = systemActor('kb-starter');

/** One article file: `<category>/<id>.json`. */
export type StarterArticle = Readonly<{
  id: string;
  category: Category;
  tags: readonly string[];
  sourceLanguage: Language;
  translations: Readonly<Partial<Record<Language, Readonly<{ title: string; body: string }>>>>;
}>;

export type StarterLoadReport = Readonly<{ loaded: string[]; skipped: string[] }>;

/**
 * The checkout's `data/kb` folder: compiled code in `dist/libs/kb/feature/src/starter` and the
 * sources both walk up to it, wherever the process was started from. Undefined when there is none.
 */
export function starterKbDir(from: string = __dirname): string | undefined {
  for (let folder = from; ; folder = dirname(folder)) {
    const candidate = join(folder, STARTER_DIR_IN_REPO);
    if (existsSync(candidate) && statSync(candidate).isDirectory()) return candidate;
    if (dirname(folder) === folder) return undefined;
  }
}

/** Reads and checks every `<category>/<id>.json` under `dir`; a bad file fails with its path and what is wrong. */
export async function readStarterArticles(dir: string): Promise<StarterArticle[]> {
  const articles: StarterArticle[] = [];
  const seen = new Set<string>();
  for (const category of (await readdir(dir, { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort()) {
    for (const file of (await readdir(join(dir, category))).filter((name) => name.endsWith('.json')).sort()) {
      const path = join(dir, category, file);
      const article = checkArticle(JSON.parse(await readFile(path, 'utf8')) as unknown, category, path);
      if (seen.has(article.id)) throw new Error(`${path}: article id ${article.id} is used twice`);
      seen.add(article.id);
      articles.push(article);
    }
  }
  return articles;
}

function checkArticle(value: unknown, folder: string, path: string): StarterArticle {
  const fail = (message: string): never => {
    throw new Error(`${path}: ${message}`);
  };
  if (typeof value !== 'object' || value === null) return fail('not a JSON object');
  const article = value as Record<string, unknown>;
  if (typeof article.id !== 'string' || !ARTICLE_ID_PATTERN.test(article.id)) fail('id is not a lower-case slug');
  if (!(CATEGORIES as readonly unknown[]).includes(article.category)) fail(`category must be one of ${CATEGORIES.join(', ')}`);
  if (article.category !== folder) fail(`category ${String(article.category)} is not its folder's (${folder})`);
  if (!Array.isArray(article.tags) || article.tags.some((tag) => typeof tag !== 'string')) fail('tags must be an array of strings');
  if (!(LANGUAGES as readonly unknown[]).includes(article.sourceLanguage)) fail(`sourceLanguage must be one of ${LANGUAGES.join(', ')}`);
  const translations = article.translations as Record<string, { title?: unknown; body?: unknown }> | undefined;
  if (typeof translations !== 'object' || translations === null) return fail('translations missing');
  for (const [language, text] of Object.entries(translations)) {
    if (!(LANGUAGES as readonly string[]).includes(language)) fail(`translation language ${language} is not one of ${LANGUAGES.join(', ')}`);
    if (typeof text?.title !== 'string' || text.title.length === 0 || text.title.length > MAX_TITLE_LENGTH) fail(`${language}: title must be 1–${MAX_TITLE_LENGTH} characters`);
    if (typeof text?.body !== 'string' || text.body.length === 0 || text.body.length > MAX_BODY_LENGTH) fail(`${language}: body must be 1–${MAX_BODY_LENGTH} characters`);
  }
  if (translations[article.sourceLanguage as string] === undefined) fail(`no text in its source language ${String(article.sourceLanguage)}`);
  return article as unknown as StarterArticle;
}

/** The commands that write and publish an article: its source text first, so the others follow it. */
function commandsOf(article: StarterArticle, now: string): ArticleCommand[] {
  const languages = Object.keys(article.translations) as Language[];
  const ordered = [article.sourceLanguage, ...languages.filter((language) => language !== article.sourceLanguage)];
  return [
    { type: 'CreateArticleDraft', data: { articleId: article.id, category: article.category, tags: article.tags.map((tag) => tag.slice(0, 40)).slice(0, 20), sourceLanguage: article.sourceLanguage, now } },
    ...ordered.map((language): ArticleCommand => ({ type: 'SaveArticleTranslation', data: { articleId: article.id, language, ...article.translations[language]!, now } })),
    { type: 'PublishArticle', data: { articleId: article.id, now } },
  ];
}

/**
 * Writes each article as a published article in one append to its new stream, as the system. An
 * article whose stream exists already is left as it is, so loading again (a restart, the CLI run
 * twice) duplicates nothing; event ids derive from the article id, so a retried append is the same.
 */
export async function loadStarterArticles(eventStore: EventStore, clock: Clock, articles: readonly StarterArticle[]): Promise<StarterLoadReport> {
  const loaded: string[] = [];
  const skipped: string[] = [];
  for (const article of articles) {
    if (await streamExists(eventStore, kbStreams.article(article.id))) {
      skipped.push(article.id);
      continue;
    }
    const now = clock.now().toISOString();
    let state: ArticleState = articleDecider.initialState();
    const events: ArticleEvent[] = [];
    for (const command of commandsOf(article, now)) {
      for (const event of decideArticle(command, state)) {
        state = articleDecider.evolve(state, event);
        events.push(event);
      }
    }
    const correlationId = deterministicId(`kb-starter:${article.id}`);
    try {
      await eventStore.append(
        kbStreams.article(article.id),
        events.map((event, index) => ({
          id: deterministicId(`kb-starter:${article.id}:${index}`),
          type: event.type,
          schemaVersion: event.schemaVersion,
          data: event.data as Record<string, unknown>,
          metadata: { correlationId, causationId: correlationId, actor: STARTER_ACTOR, occurredAt: now },
        })),
        { expectedRevision: 'no_stream' },
      );
      loaded.push(article.id);
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error;
      skipped.push(article.id);
    }
  }
  return { loaded, skipped };
}

/** Whether any article stream was ever written: the starter KB loads only into an empty knowledge base. */
export async function anyArticleStream(eventStore: EventStore): Promise<boolean> {
  for await (const _event of eventStore.readAll({ filter: { streamPrefixes: ['article-'] }, max: 1 })) return true;
  return false;
}

async function streamExists(eventStore: EventStore, streamName: string): Promise<boolean> {
  for await (const _event of eventStore.readStream(streamName)) return true;
  return false;
}
