import { extractFeatures } from './text-features';

/**
 * A multinomial logistic regression over hashed text features: `weights[bucket * labels + label]`,
 * then a bias per label. Weights live in a SharedArrayBuffer so worker threads score with the same
 * memory, copied nowhere.
 */
export type LinearModel<Label extends string = string> = Readonly<{
  version: string;
  labels: readonly Label[];
  dimensions: number;
  /** Input beyond this many characters is not read: a 100 KB e-mail costs what its first pages cost. */
  maxChars: number;
  weights: Float32Array;
}>;

export type Scored<Label extends string = string> = Readonly<{ label: Label; probability: number }>;

/** Probabilities of every label for a text, highest first. */
export function scoreText<Label extends string>(model: LinearModel<Label>, text: string): readonly Scored<Label>[] {
  const features = extractFeatures(text, model.dimensions, model.maxChars);
  const logits = logitsOf(model.weights, model.labels.length, model.dimensions, features);
  return softmax(logits)
    .map((probability, index) => ({ label: model.labels[index], probability }))
    .sort((left, right) => right.probability - left.probability);
}

/** Raw scores per label: the biases follow the bucket weights in `weights`. */
export function logitsOf(weights: Float32Array, labels: number, dimensions: number, features: ReadonlyMap<number, number>): number[] {
  const logits = Array.from({ length: labels }, (_unused, label) => weights[dimensions * labels + label]);
  for (const [bucket, value] of features) {
    const offset = bucket * labels;
    for (let label = 0; label < labels; label++) logits[label] += weights[offset + label] * value;
  }
  return logits;
}

export function softmax(logits: readonly number[]): number[] {
  const max = Math.max(...logits);
  const exps = logits.map((logit) => Math.exp(logit - max));
  const sum = exps.reduce((total, value) => total + value, 0);
  return exps.map((value) => value / sum);
}
