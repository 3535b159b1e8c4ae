import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Provider } from '@nestjs/common';
import { DEFAULT_TRAINING_OPTIONS, linearModelVersion, trainLinearModel, type LinearModel } from '@ticketing/classifier';
import { CATEGORIES, type Category } from '@ticketing/contracts';
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

/** What `<version>.json` beside a retrained model's weights says: enough to load it, and its provenance. */
export type StoredModelManifest = Readonly<{
  version: string;
  labels: readonly string[];
  dimensions: number;
  maxChars: number;
  trainedAt: string;
  shippedExamples: number;
  corrections: number;
}>;

/** Writes a retrained model's manifest beside its weights (the trainer wrote those), so a start can serve it by version. */
export function writeModelManifest(dir: string, manifest: StoredModelManifest): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, `${manifest.version}.json`), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
}

/** A model `ticketing classifier retrain` stored, by version; an error naming what is missing. */
export function loadStoredModel(dir: string, version: string): LinearModel<Category> {
  const manifestFile = join(dir, `${version}.json`);
  const weightsFile = join(dir, `${version}.f32`);
  if (!existsSync(manifestFile) || !existsSync(weightsFile)) {
    throw new Error(`Invalid configuration: TICKETING_CLASSIFIER_MODEL names ${version}, which is not in ${dir} (ticketing classifier retrain writes one there)`);
  }
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as StoredModelManifest;
  if (manifest.labels.join() !== CATEGORIES.join()) throw new Error(`Model ${version} was trained for other categories (${manifest.labels.join(', ')})`);
  const stored = readFileSync(weightsFile);
  const bytes = (manifest.dimensions + 1) * manifest.labels.length * Float32Array.BYTES_PER_ELEMENT;
  if (stored.length !== bytes) throw new Error(`Model ${version}: ${weightsFile} holds ${stored.length} bytes, its manifest says ${bytes}`);
  const weights = new Float32Array(new SharedArrayBuffer(bytes));
  new Uint8Array(weights.buffer).set(stored);
  return { version, labels: CATEGORIES, dimensions: manifest.dimensions, maxChars: manifest.maxChars, weights };
}

let served: ClassifierModels | undefined;

/**
 * The models this process serves: the one trained from the shipped data, or the retrained
 * category model TICKETING_CLASSIFIER_MODEL names (its language head stays the shipped one).
 */
export function servedClassifierModels(env: Readonly<Record<string, string | undefined>> = process.env): ClassifierModels {
  if (served) return served;
  const base = shippedClassifierModels();
  const wanted = env.TICKETING_CLASSIFIER_MODEL?.trim();
  served = !wanted || wanted === base.category.version ? base : { category: loadStoredModel(defaultModelCacheDir(), wanted), language: base.language };
  return served;
}

export const classifierModelsProvider: Provider = { provide: CLASSIFIER_MODELS, useFactory: () => servedClassifierModels() };
