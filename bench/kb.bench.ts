import { performance } from 'node:perf_hooks';
import { LANGUAGES, SELF_SERVICE_CATEGORIES, type Category, type Language } from '@ticketing/contracts';
import { ArticleSearchIndex, readStarterArticles, starterKbDir } from '@ticketing/kb-feature';
import { generateCorpus, seededRandom } from './kb-corpus';

const ARTICLES = 2_000;
const QUERIES_PER_LANGUAGE = 2_000;
const WARM_UP_QUERIES = 500;

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** A typo in a Latin-script word: one letter dropped. */
const typo = (text: string, random: () => number) =>
  text.replace(/\p{Script=Latin}{5,}/u, (word) => {
    const at = 1 + Math.floor(random() * (word.length - 2));
    return word.slice(0, at) + word.slice(at + 1);
  });

/**
 * `npm run bench -- kb`: the in-memory search index over a generated corpus of 2,000 articles × 8
 * languages (recombined from data/kb with a fixed seed): build time, and search latency per
 * language for customer-like queries (starter titles, typos in Latin scripts), as suggestions run them.
 */
export async function runKbBench(): Promise<void> {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const dir = starterKbDir(__dirname);
  if (dir === undefined) throw new Error('No data/kb folder: the KB bench builds its corpus from the starter articles');
  const starter = await readStarterArticles(dir);
  const corpus = generateCorpus(starter, ARTICLES);

  const buildStarted = performance.now();
  const index = new ArticleSearchIndex();
  for (const translation of corpus) index.upsert(translation);
  const buildMs = performance.now() - buildStarted;
  const heapMb = process.memoryUsage().heapUsed / 1_048_576;

  log(`KB search: ${ARTICLES} articles × ${LANGUAGES.length} languages = ${corpus.length} translations from ${starter.length} starter articles`);
  log(`index build ${buildMs.toFixed(0)} ms (${((corpus.length / buildMs) * 1000).toFixed(0)} translations/s), heap after build ${heapMb.toFixed(0)} MB`);
  log(`${'language'.padEnd(10)} ${'queries'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(8)}`);

  const random = seededRandom(7);
  const selfService = new Set<Category>(SELF_SERVICE_CATEGORIES);
  const all: number[] = [];
  for (const language of LANGUAGES) {
    const queries = Array.from({ length: QUERIES_PER_LANGUAGE + WARM_UP_QUERIES }, () => {
      const article = starter[Math.floor(random() * starter.length)];
      const title = (article.translations[language as Language] ?? article.translations[article.sourceLanguage]!).title;
      return random() < 0.5 ? typo(title, random) : title;
    });
    const times: number[] = [];
    queries.forEach((query, position) => {
      const started = performance.now();
      index.search(query, { language, categories: selfService, limit: 3 });
      if (position >= WARM_UP_QUERIES) times.push(performance.now() - started);
    });
    times.sort((a, b) => a - b);
    all.push(...times);
    log(`${language.padEnd(10)} ${String(times.length).padStart(8)} ${percentile(times, 50).toFixed(2).padStart(8)} ${percentile(times, 99).toFixed(2).padStart(8)} ${times.at(-1)!.toFixed(2).padStart(8)}`);
  }
  all.sort((a, b) => a - b);
  log(`${'all'.padEnd(10)} ${String(all.length).padStart(8)} ${percentile(all, 50).toFixed(2).padStart(8)} ${percentile(all, 99).toFixed(2).padStart(8)} ${all.at(-1)!.toFixed(2).padStart(8)}`);
}
