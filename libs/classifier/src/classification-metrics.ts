export type LabelStats = Readonly<{ label: string; precision: number; recall: number; f1: number; support: number }>;

export type ClassificationReport = Readonly<{
  examples: number;
  accuracy: number;
  macroF1: number;
  perLabel: readonly LabelStats[];
  /** `confusion[actual][predicted]` counts, in `labels` order. */
  confusion: readonly (readonly number[])[];
  labels: readonly string[];
}>;

export type Outcome = Readonly<{ actual: string; predicted: string }>;

/** Accuracy, macro-F1, per-label precision/recall and the confusion matrix of a set of predictions. */
export function classificationReport(outcomes: readonly Outcome[], labels: readonly string[]): ClassificationReport {
  const index = new Map(labels.map((label, position) => [label, position]));
  const confusion = labels.map(() => labels.map(() => 0));
  let correct = 0;
  for (const { actual, predicted } of outcomes) {
    const row = index.get(actual);
    const column = index.get(predicted);
    if (row === undefined || column === undefined) throw new Error(`Outcome with a label outside ${labels.join(', ')}: ${actual} → ${predicted}`);
    confusion[row][column]++;
    if (row === column) correct++;
  }
  const perLabel = labels.map((label, position) => {
    const truePositives = confusion[position][position];
    const predictedAs = confusion.reduce((total, row) => total + row[position], 0);
    const support = confusion[position].reduce((total, count) => total + count, 0);
    const precision = predictedAs === 0 ? 0 : truePositives / predictedAs;
    const recall = support === 0 ? 0 : truePositives / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { label, precision, recall, f1, support };
  });
  const macroF1 = perLabel.reduce((total, stats) => total + stats.f1, 0) / Math.max(1, labels.length);
  return { examples: outcomes.length, accuracy: outcomes.length === 0 ? 0 : correct / outcomes.length, macroF1, perLabel, confusion, labels };
}

export type ThresholdPoint = Readonly<{ threshold: number; coverage: number; precision: number }>;

/**
 * For each candidate threshold, the share of predictions at or above it (sent on automatically)
 * and their precision: what a confidence threshold for human triage trades.
 */
export function thresholdCurve(scored: readonly (Outcome & { confidence: number })[], thresholds: readonly number[]): readonly ThresholdPoint[] {
  return thresholds.map((threshold) => {
    const kept = scored.filter((outcome) => outcome.confidence >= threshold);
    const correct = kept.filter((outcome) => outcome.actual === outcome.predicted).length;
    return { threshold, coverage: scored.length === 0 ? 0 : kept.length / scored.length, precision: kept.length === 0 ? 1 : correct / kept.length };
  });
}
