import { createHash } from 'node:crypto';
import type { LinearModel } from './linear-model';
import { extractFeatures } from './text-features';

export type TrainingExample<Label extends string = string> = Readonly<{ text: string; label: Label }>;

export type TrainingOptions = Readonly<{
  /** Hash buckets; 2^18 keeps collisions rare for a few hundred thousand distinct n-grams at ~11 MB for 11 labels. */
  dimensions: number;
  epochs: number;
  learningRate: number;
  /** L2 penalty per update, scaled by the learning rate: keeps rare n-grams from dominating. */
  l2: number;
  /** Shuffles the examples each epoch: a fixed seed makes training reproducible to the bit. */
  seed: number;
  maxChars: number;
}>;

// Chosen on the held-out split (README, Classification): with 11,792 inquiries, 2^19 buckets and l2 2e-4 beat
// 2^18 with 1e-5 by ~1.7 points; every l2 from 6e-5 to 4e-4 lands within 0.3 of it, 2^20 buckets add nothing.
export const DEFAULT_TRAINING_OPTIONS: TrainingOptions = { dimensions: 1 << 19, epochs: 15, learningRate: 0.4, l2: 2e-4, seed: 20261207, maxChars: 4000 };

/** Mulberry32: a tiny seeded generator, enough to shuffle reproducibly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Trains a multinomial logistic regression by stochastic gradient descent with AdaGrad step sizes
 * on hashed features (text-features.ts). Deterministic for the same examples, labels and options;
 * the version is a digest of all three, so the same inputs always name the same model.
 */
export function trainLinearModel<Label extends string>(
  examples: readonly TrainingExample<Label>[],
  labels: readonly Label[],
  options: Partial<TrainingOptions> & { versionPrefix?: string } = {},
): LinearModel<Label> {
  const settings = { ...DEFAULT_TRAINING_OPTIONS, ...options };
  const { dimensions, epochs, learningRate, l2, seed, maxChars } = settings;
  const labelIndex = new Map(labels.map((label, index) => [label, index]));
  // Features as parallel typed arrays: the loops below run over them millions of times.
  const encoded = examples.map((example) => {
    const label = labelIndex.get(example.label);
    if (label === undefined) throw new Error(`Example labelled ${example.label}, which is not one of ${labels.join(', ')}`);
    const features = extractFeatures(example.text, dimensions, maxChars);
    return { buckets: Int32Array.from(features.keys()), values: Float64Array.from(features.values()), label };
  });
  const count = labels.length;
  const biasOffset = dimensions * count;
  const weights = new Float32Array(new SharedArrayBuffer((dimensions + 1) * count * Float32Array.BYTES_PER_ELEMENT));
  const squaredGradients = new Float32Array((dimensions + 1) * count);
  const logits = new Float64Array(count);
  const errors = new Float64Array(count);
  const random = seededRandom(seed);
  const order = encoded.map((_example, index) => index);
  const update = (slot: number, gradient: number): void => {
    const regularized = gradient + l2 * weights[slot];
    squaredGradients[slot] += regularized * regularized;
    weights[slot] -= (learningRate * regularized) / (Math.sqrt(squaredGradients[slot]) + 1e-8);
  };
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let index = order.length - 1; index > 0; index--) {
      const other = Math.floor(random() * (index + 1));
      [order[index], order[other]] = [order[other], order[index]];
    }
    for (const position of order) {
      const { buckets, values, label } = encoded[position];
      for (let k = 0; k < count; k++) logits[k] = weights[biasOffset + k];
      // A bucket's weights for every label are adjacent: one pass over the features, labels inside.
      for (let i = 0; i < buckets.length; i++) {
        const offset = buckets[i] * count;
        const value = values[i];
        for (let k = 0; k < count; k++) logits[k] += weights[offset + k] * value;
      }
      let max = -Infinity;
      for (let k = 0; k < count; k++) if (logits[k] > max) max = logits[k];
      let sum = 0;
      for (let k = 0; k < count; k++) sum += errors[k] = Math.exp(logits[k] - max);
      for (let k = 0; k < count; k++) errors[k] = errors[k] / sum - (k === label ? 1 : 0);
      for (let i = 0; i < buckets.length; i++) {
        const offset = buckets[i] * count;
        const value = values[i];
        for (let k = 0; k < count; k++) if (Math.abs(errors[k]) >= 1e-6) update(offset + k, errors[k] * value);
      }
      for (let k = 0; k < count; k++) if (Math.abs(errors[k]) >= 1e-6) update(biasOffset + k, errors[k]);
    }
  }
  return { version: linearModelVersion(examples, labels, options), labels, dimensions, maxChars, weights };

}

/**
 * The version `trainLinearModel` gives a model, known before training: a digest of the examples,
 * labels and options (and of the feature extraction's revision). Equal versions are equal models,
 * so a trained model can be cached under its version.
 */
export function linearModelVersion(
  examples: readonly TrainingExample[],
  labels: readonly string[],
  options: Partial<TrainingOptions> & { versionPrefix?: string } = {},
): string {
  const { versionPrefix, ...rest } = options;
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ labels, options: { ...DEFAULT_TRAINING_OPTIONS, ...rest }, features: FEATURES_REVISION }));
  for (const example of examples) hash.update(`${example.label}\u0000${example.text}\u0001`);
  return `${versionPrefix ?? 'model'}-${hash.digest('hex').slice(0, 12)}`;
}

/** Bumped whenever text-features.ts changes what it extracts: old cached weights then no longer match. */
const FEATURES_REVISION = 1;
