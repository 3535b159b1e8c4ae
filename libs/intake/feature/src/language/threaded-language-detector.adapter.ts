import type { OnModuleDestroy } from '@nestjs/common';
import { BatchingWorkerPool } from '@ticketing/platform';
import type { LanguageDetector } from './language-detector.port';
import {
  DEFAULT_TINYLD_OPTIONS,
  detectionSample,
  languageVerdict,
  rankLanguages,
  type RankedLanguages,
  type TinyldLanguageDetectorOptions,
} from './tinyld-language-detector.adapter';

/**
 * Plain CommonJS evaluated by the worker, so it runs the same from the build and under ts-jest. It
 * answers each batch of samples, in order, with tinyld's two best guesses for each.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { detectAll } = require(workerData.tinyld);
parentPort.on('message', (samples) => parentPort.postMessage(samples.map((sample) => detectAll(sample).slice(0, 2))));
`;

/**
 * LanguageDetector on tinyld in worker threads. tinyld's cost depends on the script: ~60 µs for an
 * English ticket, ~0.8 ms for a Russian one (its Cyrillic n-grams are shared by many languages), which
 * on the HTTP thread capped Russian tickets at ~650/s here. A ticket is never refused for want of a
 * language guess: without a thread, samples are ranked on the calling thread.
 */
export class ThreadedLanguageDetector implements LanguageDetector, OnModuleDestroy {
  private readonly options: TinyldLanguageDetectorOptions;
  private readonly pool: BatchingWorkerPool<string, RankedLanguages>;

  constructor(options: Partial<TinyldLanguageDetectorOptions & { threads: number }> = {}) {
    const { threads, ...thresholds } = options;
    this.options = { ...DEFAULT_TINYLD_OPTIONS, ...thresholds };
    this.pool = new BatchingWorkerPool({
      name: ThreadedLanguageDetector.name,
      source: WORKER_SOURCE,
      workerData: { tinyld: require.resolve('tinyld') },
      threads,
      here: rankLanguages,
    });
  }

  async detect(text: string): Promise<string | null> {
    const sample = detectionSample(text, this.options.minLetters);
    if (sample === null) return null;
    return languageVerdict(await this.pool.run(sample), this.options);
  }

  onModuleDestroy(): Promise<void> {
    return this.pool.close();
  }
}
