import type { OnModuleDestroy } from '@nestjs/common';
import { extractFeatures, logitsOf, softmax } from '@ticketing/classifier';
import type { Category, Language } from '@ticketing/contracts';
import { BatchingWorkerPool } from '@ticketing/platform';
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

/** Each head's probabilities for one text, in the models' label order (category, then language). */
type HeadScores = readonly (readonly number[])[];

const LETTER = /\p{L}/u;

/**
 * TicketClassifier on worker threads, for the HTTP endpoint: scoring a long e-mail costs
 * milliseconds the HTTP thread must not spend. Without a thread it scores on the calling thread.
 */
export class ThreadedTicketClassifier implements TicketClassifier, OnModuleDestroy {
  private readonly pool: BatchingWorkerPool<string, HeadScores | null>;

  constructor(
    private readonly models: ClassifierModels,
    threads?: number,
  ) {
    const heads = [models.category, models.language].map((model) => ({ labels: model.labels, dimensions: model.dimensions, maxChars: model.maxChars, buffer: model.weights.buffer }));
    // `null` from the calling thread: the inline classifier then answers the whole verdict.
    this.pool = new BatchingWorkerPool<string, HeadScores | null>({ name: ThreadedTicketClassifier.name, source: WORKER_SOURCE, workerData: { heads }, threads, here: () => null });
  }

  get modelVersion(): string {
    return this.models.category.version;
  }

  async classify(input: ClassifierInput): Promise<ClassifierVerdict> {
    const text = inquiryText({ subject: input.subject, text: input.body });
    const scores = await this.pool.run(text);
    // Without a letter there is no language to tell: the inline classifier's rule (English) applies.
    return scores !== null && LETTER.test(text) ? this.verdictOf(scores[0], scores[1]) : classifyWith(this.models, input);
  }

  onModuleDestroy(): Promise<void> {
    return this.pool.close();
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
