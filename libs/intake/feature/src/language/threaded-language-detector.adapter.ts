import type { OnModuleDestroy } from '@nestjs/common';
import { BatchingWorkerPool } from '@ticketing/platform';
import type { LanguageDetector } from './language-detector.port';
import {
  DEFAULT_ELD_OPTIONS,
  detectionSample,
  eldEntryFile,
  guessLanguage,
  languageVerdict,
  type EldLanguageDetectorOptions,
  type LanguageGuess,
} from './eld-language-detector.adapter';

/**
 * Plain CommonJS evaluated by the worker, so it runs the same from the build and under ts-jest. It
 * answers each batch of samples, in order, with eld's guess for each.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { eld } = require(workerData.eld);
parentPort.on('message', (samples) => parentPort.postMessage(samples.map((sample) => {
  const result = eld.detect(sample);
  return { language: result.language, reliable: result.isReliable() };
})));
`;

/**
 * LanguageDetector on eld in worker threads, away from HTTP requests (~0.1 ms a ticket, any script).
 * A ticket is never refused for want of a language guess: without a thread, samples are guessed on
 * the calling thread.
 */
export class ThreadedLanguageDetector implements LanguageDetector, OnModuleDestroy {
  private readonly options: EldLanguageDetectorOptions;
  private readonly pool: BatchingWorkerPool<string, LanguageGuess>;

  constructor(options: Partial<EldLanguageDetectorOptions & { threads: number }> = {}) {
    const { threads, ...thresholds } = options;
    this.options = { ...DEFAULT_ELD_OPTIONS, ...thresholds };
    this.pool = new BatchingWorkerPool({
      name: ThreadedLanguageDetector.name,
      source: WORKER_SOURCE,
      workerData: { eld: eldEntryFile() },
      threads,
      here: guessLanguage,
    });
  }

  async detect(text: string): Promise<string | null> {
    const sample = detectionSample(text, this.options.minLetters);
    if (sample === null) return null;
    return languageVerdict(await this.pool.run(sample));
  }

  onModuleDestroy(): Promise<void> {
    return this.pool.close();
  }
}
