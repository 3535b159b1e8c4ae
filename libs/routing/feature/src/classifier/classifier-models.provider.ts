import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Provider } from '@nestjs/common';
import { DEFAULT_TRAINING_OPTIONS, linearModelVersion, trainLinearModel, type LinearModel } from '@ticketing/classifier';
import { shippedDataDir } from './shipped-data';
import { trainClassifierModels, type ClassifierModels, type ModelTrainer } from './ticket-classifier';
import { loadArticleExamples, loadLabelledInquiries } from './training-data';

export const CLASSIFIER_MODELS = Symbol('ClassifierModels');

/**
 * Where trained weights are kept between starts: `data/models` beside the shipped training data,
 * filled by `npm run build` (`ticketing classifier train`), so no start pays the ~15 s of training.
 * A cache, not state: files are named by the model's version (a digest of its inputs), so a stale
 * one is never read, and deleting the folder only costs the next start its training.
 */
export const defaultModelCacheDir = (): string => process.env.TICKETING_CLASSIFIER_CACHE_DIR || join(shippedDataDir('classifier'), '..', 'models');

/** A ModelTrainer that reads a model trained before from `dir`, else trains and writes it there (atomically). */
export function cachingTrainer(dir: string): ModelTrainer {
  return (examples, labels, options) => {
    const version = linearModelVersion(examples, labels, options);
    const { dimensions, maxChars } = { ...DEFAULT_TRAINING_OPTIONS, ...options };
    const file = join(dir, `${version}.f32`);
    const bytes = (dimensions + 1) * labels.length * Float32Array.BYTES_PER_ELEMENT;
    if (existsSync(file)) {
      const stored = readFileSync(file);
      if (stored.length === bytes) {
        const weights = new Float32Array(new SharedArrayBuffer(bytes));
        new Uint8Array(weights.buffer).set(stored);
        return { version, labels, dimensions, maxChars, weights };
      }
    }
    const model: LinearModel<(typeof labels)[number]> = trainLinearModel(examples, labels, options);
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const partial = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
      writeFileSync(partial, new Uint8Array(model.weights.buffer), { mode: 0o600 });
      renameSync(partial, file);
    } catch {
      // A read-only disk only costs the next start its training.
    }
    return model;
  };
}

// Per thread: the API module and the consumers module of one process share one trained model.
let shipped: ClassifierModels | undefined;

/**
 * The served model, trained from every shipped example and the starter KB's articles
 * (deterministic: the same data always gives the same model and version). Nothing is downloaded.
 */
export function shippedClassifierModels(): ClassifierModels {
  shipped ??= trainClassifierModels(
    { shipped: loadLabelledInquiries(shippedDataDir('classifier')), articles: loadArticleExamples(shippedDataDir('kb')) },
    cachingTrainer(defaultModelCacheDir()),
  );
  return shipped;
}

export const classifierModelsProvider: Provider = { provide: CLASSIFIER_MODELS, useFactory: shippedClassifierModels };
