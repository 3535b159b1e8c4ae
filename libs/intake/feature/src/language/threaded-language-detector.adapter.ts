import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { Logger, type OnModuleDestroy } from '@nestjs/common';
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

type PendingSample = Readonly<{ sample: string; settle: (ranked: RankedLanguages) => void }>;

/** A worker and the batches it owes, oldest first: a worker answers in order. */
type Slot = { worker: Worker; posted: PendingSample[][] };

/** One thread per core beside the HTTP thread's, at least one and at most four. */
const defaultThreads = (): number => Math.min(4, Math.max(1, availableParallelism() - 1));

/**
 * LanguageDetector on tinyld in worker threads. tinyld's cost depends on the script: ~60 µs for an
 * English ticket, ~0.8 ms for a Russian one (its Cyrillic n-grams are shared by many languages), which
 * on the HTTP thread capped Russian tickets at ~650/s here. Samples asked for in the same microtask
 * checkpoint travel as one message to the least busy worker, posted at once so that it ranks while
 * the HTTP thread goes on with the next request. Should a worker fail, the samples it held and every
 * later one are ranked on the calling thread: a ticket is never refused for want of a language guess.
 */
export class ThreadedLanguageDetector implements LanguageDetector, OnModuleDestroy {
  private readonly logger = new Logger(ThreadedLanguageDetector.name);
  private readonly options: TinyldLanguageDetectorOptions;
  private readonly threads: number;
  private readonly slots: Slot[] = [];
  private workerFailed = false;
  private destroyed = false;
  private waiting: PendingSample[] = [];

  constructor(options: Partial<TinyldLanguageDetectorOptions & { threads: number }> = {}) {
    const { threads, ...thresholds } = options;
    this.options = { ...DEFAULT_TINYLD_OPTIONS, ...thresholds };
    this.threads = threads ?? defaultThreads();
  }

  async detect(text: string): Promise<string | null> {
    const sample = detectionSample(text, this.options.minLetters);
    if (sample === null) return null;
    return languageVerdict(await this.rank(sample), this.options);
  }

  async onModuleDestroy(): Promise<void> {
    this.destroyed = true;
    // Terminating fires 'exit', which ranks here whatever a worker still held.
    await Promise.all(this.slots.map(({ worker }) => worker.terminate()));
  }

  private rank(sample: string): Promise<RankedLanguages> {
    return new Promise((settle) => {
      if (this.waiting.push({ sample, settle }) === 1) queueMicrotask(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.waiting;
    this.waiting = [];
    const slot = this.destroyed || this.workerFailed ? undefined : this.leastBusySlot();
    if (slot === undefined) return rankHere(batch);
    slot.posted.push(batch);
    // Referenced only while it owes answers: an idle detector must not keep a CLI command or a test alive.
    slot.worker.ref();
    slot.worker.postMessage(batch.map(({ sample }) => sample));
  }

  private leastBusySlot(): Slot {
    const idle = this.slots.find((slot) => slot.posted.length === 0);
    if (idle !== undefined) return idle;
    if (this.slots.length < this.threads) return this.startWorker();
    return this.slots.reduce((least, slot) => (slot.posted.length < least.posted.length ? slot : least));
  }

  private startWorker(): Slot {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { tinyld: require.resolve('tinyld') } });
    const slot: Slot = { worker, posted: [] };
    worker.on('message', (results: RankedLanguages[]) => {
      const batch = slot.posted.shift() ?? [];
      if (slot.posted.length === 0) worker.unref();
      batch.forEach((pending, index) => pending.settle(results[index] ?? []));
    });
    worker.on('error', (error) => {
      this.workerFailed = true;
      this.logger.error({ err: error }, 'Language detection thread failed; detecting on the calling thread from now on');
    });
    worker.on('exit', () => {
      const index = this.slots.indexOf(slot);
      if (index >= 0) this.slots.splice(index, 1);
      rankHere(slot.posted.splice(0).flat());
    });
    this.slots.push(slot);
    return slot;
  }
}

function rankHere(batch: readonly PendingSample[]): void {
  for (const { sample, settle } of batch) settle(rankLanguages(sample));
}
