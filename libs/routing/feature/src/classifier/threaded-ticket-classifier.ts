import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { Logger, type OnModuleDestroy } from '@nestjs/common';
import { extractFeatures, logitsOf, softmax } from '@ticketing/classifier';
import type { Category, Language } from '@ticketing/contracts';
import { classifyWith, type ClassifierInput, type ClassifierModels, type ClassifierVerdict, type TicketClassifier } from './ticket-classifier';
import { inquiryText } from './training-data';

/**
 * Plain CommonJS evaluated by each worker, built from the feature and scoring functions' own
 * source (they are self-contained), so it runs the same from the build and under ts-jest. The
 * weights arrive as SharedArrayBuffers: every worker scores with the one copy the process trained.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const extractFeatures = ${extractFeatures.toString()};
const logitsOf = ${logitsOf.toString()};
const softmax = ${softmax.toString()};
const heads = workerData.heads.map((head) => ({ ...head, weights: new Float32Array(head.buffer) }));
const score = (head, text) => softmax(logitsOf(head.weights, head.labels.length, head.dimensions, extractFeatures(text, head.dimensions, head.maxChars)));
parentPort.on('message', (texts) => parentPort.postMessage(texts.map((text) => heads.map((head) => score(head, text)))));
`;

type Pending = Readonly<{ text: string; settle: (verdict: ClassifierVerdict) => void; input: ClassifierInput }>;
type Slot = { worker: Worker; posted: Pending[][] };

const defaultThreads = (): number => Math.min(4, Math.max(1, availableParallelism() - 1));

/**
 * TicketClassifier on worker threads, for the HTTP endpoint: scoring a long e-mail costs
 * milliseconds the HTTP thread must not spend. Requests arriving in the same microtask travel as
 * one batch to the least busy worker. Should a worker fail, its requests and every later one are
 * scored on the calling thread: a classification is never refused for want of a thread.
 */
export class ThreadedTicketClassifier implements TicketClassifier, OnModuleDestroy {
  private readonly logger = new Logger(ThreadedTicketClassifier.name);
  private readonly slots: Slot[] = [];
  private waiting: Pending[] = [];
  private workerFailed = false;
  private destroyed = false;

  constructor(
    private readonly models: ClassifierModels,
    private readonly threads = defaultThreads(),
  ) {}

  get modelVersion(): string {
    return this.models.category.version;
  }

  classify(input: ClassifierInput): Promise<ClassifierVerdict> {
    return new Promise((settle) => {
      const text = inquiryText({ subject: input.subject, text: input.body });
      if (this.waiting.push({ text, settle, input }) === 1) queueMicrotask(() => this.flush());
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.destroyed = true;
    await Promise.all(this.slots.map(({ worker }) => worker.terminate()));
  }

  private flush(): void {
    const batch = this.waiting;
    this.waiting = [];
    const slot = this.destroyed || this.workerFailed ? undefined : this.leastBusySlot();
    if (slot === undefined) return this.scoreHere(batch);
    slot.posted.push(batch);
    slot.worker.ref();
    slot.worker.postMessage(batch.map(({ text }) => text));
  }

  private leastBusySlot(): Slot {
    const idle = this.slots.find((slot) => slot.posted.length === 0);
    if (idle !== undefined) return idle;
    if (this.slots.length < this.threads) return this.startWorker();
    return this.slots.reduce((least, slot) => (slot.posted.length < least.posted.length ? slot : least));
  }

  private startWorker(): Slot {
    const heads = [this.models.category, this.models.language].map((model) => ({
      labels: model.labels,
      dimensions: model.dimensions,
      maxChars: model.maxChars,
      buffer: model.weights.buffer,
    }));
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { heads } });
    const slot: Slot = { worker, posted: [] };
    worker.on('message', (results: number[][][]) => {
      const batch = slot.posted.shift() ?? [];
      if (slot.posted.length === 0) worker.unref();
      batch.forEach((pending, index) => {
        const probabilities = results[index];
        pending.settle(probabilities && /\p{L}/u.test(pending.text) ? this.verdictOf(probabilities[0], probabilities[1]) : classifyWith(this.models, pending.input));
      });
    });
    worker.on('error', (error) => {
      this.workerFailed = true;
      this.logger.error({ err: error }, 'Classifier thread failed; classifying on the calling thread from now on');
    });
    worker.on('exit', () => {
      const index = this.slots.indexOf(slot);
      if (index >= 0) this.slots.splice(index, 1);
      this.scoreHere(slot.posted.splice(0).flat());
    });
    this.slots.push(slot);
    return slot;
  }

  private scoreHere(batch: readonly Pending[]): void {
    for (const pending of batch) pending.settle(classifyWith(this.models, pending.input));
  }

  private verdictOf(categories: readonly number[], languages: readonly number[]): ClassifierVerdict {
    const ranked = categories
      .map((probability, index) => ({ label: this.models.category.labels[index] as Category, probability }))
      .sort((left, right) => right.probability - left.probability);
    const languageIndex = languages.indexOf(Math.max(...languages));
    return {
      category: ranked[0].label,
      confidence: ranked[0].probability,
      language: this.models.language.labels[languageIndex] as Language,
      languageConfidence: languages[languageIndex],
      modelVersion: this.models.category.version,
      ranked,
    };
  }
}
