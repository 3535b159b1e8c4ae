import { existsSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { trainLinearModel } from '@ticketing/classifier';
import { LANGUAGES, type Language } from '@ticketing/contracts';
import {
  InlineTicketClassifier,
  defaultModelCacheDir,
  inquiryText,
  loadArticleExamples,
  loadLabelledInquiries,
  shippedClassifierModels,
  shippedDataDir,
  splitHeldOut,
  trainClassifierModels,
  type ClassifierInput,
  type ModelTrainer,
  type TicketClassifier,
  ThreadedTicketClassifier,
} from '@ticketing/routing-feature';

/** Classifications measured per language and mode: the held-out texts, repeated in order. */
const MEASURED_PER_LANGUAGE = 4_000;
/** Unmeasured first, per language: the JIT and the workers warm up, as in a server that has been running. */
const WARM_UP_PER_LANGUAGE = 1_000;
/** Concurrent callers of the threaded classifier: as many as the intake bench's HTTP connections. */
const CONCURRENCY = 50;
/** The issue's target: every language's throughput at least this share of English's. */
const LANGUAGE_RATIO_TARGET = 0.8;

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

type Run = Readonly<{ count: number; perSecond: number; p50: number; p99: number }>;

const runOf = (times: number[], elapsedMs: number): Run => {
  times.sort((a, b) => a - b);
  return { count: times.length, perSecond: (times.length / elapsedMs) * 1000, p50: percentile(times, 50), p99: percentile(times, 99) };
};

/** One caller, one ticket at a time: what the routing consumer does on its thread. */
async function sequential(classifier: TicketClassifier, inputs: readonly ClassifierInput[], count: number): Promise<Run> {
  const times: number[] = [];
  const started = performance.now();
  for (let index = 0; index < count; index++) {
    const before = performance.now();
    await classifier.classify(inputs[index % inputs.length]);
    times.push(performance.now() - before);
  }
  return runOf(times, performance.now() - started);
}

/** `CONCURRENCY` callers in closed loops, each awaiting its verdict before asking again: what the HTTP endpoint sees under load. */
async function concurrent(classifier: TicketClassifier, inputs: readonly ClassifierInput[], count: number): Promise<Run> {
  const times: number[] = [];
  let next = 0;
  const caller = async (): Promise<void> => {
    for (let index = next++; index < count; index = next++) {
      const before = performance.now();
      await classifier.classify(inputs[index % inputs.length]);
      times.push(performance.now() - before);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, caller));
  return runOf(times, performance.now() - started);
}

/**
 * `npm run bench -- classifier`: the ticket classifier (category and language heads) per language,
 * over each language's held-out inquiries from data/classifier: (a) inline on one thread, as the
 * routing consumer scores, and (b) ThreadedTicketClassifier under concurrent callers, as the
 * classify endpoint scores. Throughput, p50/p99 per ticket, each language as a ratio to English;
 * then the model's load time from the data/models cache and, for scale, its training time.
 */
export async function runClassifierBench(): Promise<void> {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const shipped = loadLabelledInquiries(shippedDataDir('classifier'));
  const heldOut = splitHeldOut(shipped).test;
  const inputs = new Map<Language, ClassifierInput[]>(
    LANGUAGES.map((language) => [
      language,
      heldOut.filter((inquiry) => inquiry.language === language).map((inquiry) => ({ subject: inquiry.subject, body: inquiry.text })),
    ]),
  );
  for (const [language, texts] of inputs) if (texts.length === 0) throw new Error(`No held-out inquiries in ${language}: the classifier bench needs some in every language`);

  const cacheDir = defaultModelCacheDir();
  const cachedBefore = new Set(existsSync(cacheDir) ? readdirSync(cacheDir) : []);
  const loadStarted = performance.now();
  const models = shippedClassifierModels();
  const loadMs = performance.now() - loadStarted;
  const fromCache = [models.category, models.language].every((model) => cachedBefore.has(`${model.version}.f32`));

  log('');
  log(`classifier bench: category model ${models.category.version}, language model ${models.language.version}, ${heldOut.length} held-out inquiries of ${shipped.length}`);
  log(
    `model load ${loadMs.toFixed(0)} ms ${fromCache ? `(from the cache in ${cacheDir}: shipped data read, versions digested, weights read)` : '(NOT from the cache: it was trained now; run `npm run build` first)'}`,
  );

  const inline = new InlineTicketClassifier(models);
  const threaded = new ThreadedTicketClassifier(models);
  const results = new Map<Language, { inline: Run; threaded: Run }>();
  try {
    for (const language of LANGUAGES) {
      const texts = inputs.get(language)!;
      await sequential(inline, texts, WARM_UP_PER_LANGUAGE);
      await concurrent(threaded, texts, WARM_UP_PER_LANGUAGE);
    }
    for (const language of LANGUAGES) {
      const texts = inputs.get(language)!;
      results.set(language, {
        inline: await sequential(inline, texts, MEASURED_PER_LANGUAGE),
        threaded: await concurrent(threaded, texts, MEASURED_PER_LANGUAGE),
      });
    }
  } finally {
    await threaded.onModuleDestroy();
  }

  log(
    `(a) inline: one caller on one thread; (b) ThreadedTicketClassifier (its default worker threads, ${availableParallelism()} cores here), ${CONCURRENCY} concurrent callers; ` +
      `${MEASURED_PER_LANGUAGE} tickets per language after ${WARM_UP_PER_LANGUAGE} of warm-up; latency per ticket in ms`,
  );
  log(
    `${'language'.padEnd(8)} ${'texts'.padStart(5)} ${'chars'.padStart(5)} | ${'(a) t/s'.padStart(8)} ${'p50'.padStart(6)} ${'p99'.padStart(6)} ${'vs en'.padStart(6)} | ${'(b) t/s'.padStart(8)} ${'p50'.padStart(6)} ${'p99'.padStart(6)} ${'vs en'.padStart(6)}`,
  );
  const english = results.get('en')!;
  const ratio = (run: Run, base: Run) => run.perSecond / base.perSecond;
  const cells = (run: Run, base: Run) =>
    `${run.perSecond.toFixed(0).padStart(8)} ${run.p50.toFixed(3).padStart(6)} ${run.p99.toFixed(3).padStart(6)} ${`${(ratio(run, base) * 100).toFixed(0)}%`.padStart(6)}`;
  for (const [language, result] of results) {
    const texts = inputs.get(language)!;
    const chars = texts.reduce((total, input) => total + inquiryText({ subject: input.subject, text: input.body }).length, 0) / texts.length;
    log(`${language.padEnd(8)} ${String(texts.length).padStart(5)} ${chars.toFixed(0).padStart(5)} | ${cells(result.inline, english.inline)} | ${cells(result.threaded, english.threaded)}`);
  }

  const verdict = (mode: 'inline' | 'threaded') => {
    const slowest = [...results].reduce((worst, entry) => (ratio(entry[1][mode], english[mode]) < ratio(worst[1][mode], english[mode]) ? entry : worst));
    const share = ratio(slowest[1][mode], english[mode]);
    return `slowest ${slowest[0]} at ${(share * 100).toFixed(0)}% of English: ${share >= LANGUAGE_RATIO_TARGET ? 'met' : 'NOT met'}`;
  };
  log(`target: every language's throughput >= ${LANGUAGE_RATIO_TARGET * 100}% of English's`);
  log(`  (a) inline:   ${verdict('inline')}`);
  log(`  (b) threaded: ${verdict('threaded')}`);

  // Last, so its garbage and its minutes of one core do not weigh on the figures above.
  const trainings: string[] = [];
  const timedTrainer: ModelTrainer = (examples, labels, options) => {
    const started = performance.now();
    const model = trainLinearModel(examples, labels, options);
    trainings.push(`${model.version} ${(performance.now() - started).toFixed(0)} ms (${examples.length} examples)`);
    return model;
  };
  const trainStarted = performance.now();
  const trained = trainClassifierModels({ shipped, articles: loadArticleExamples(shippedDataDir('kb')) }, timedTrainer);
  const trainMs = performance.now() - trainStarted;
  const same = trained.category.version === models.category.version && trained.language.version === models.language.version;
  log(`training (trainLinearModel on the shipped data and starter KB, not a target): ${trainMs.toFixed(0)} ms in all; ${trainings.join('; ')}`);
  log(`  the same versions as the served models: ${same ? 'yes' : 'no'}; a start reads them from ${cacheDir} instead`);
}
