import { classificationReport, thresholdCurve, type ClassificationReport, type ThresholdPoint } from '@ticketing/classifier';
import { CATEGORIES, LANGUAGES, type Category } from '@ticketing/contracts';
import { classifyWith, trainClassifierModels, type ClassifierModels, type ClassifierVerdict } from './ticket-classifier';
import { splitHeldOut, type LabelledInquiry } from './training-data';

export type HeldOutEvaluation = Readonly<{
  modelVersion: string;
  trainExamples: number;
  report: ClassificationReport;
  perLanguage: readonly Readonly<{ language: string; examples: number; accuracy: number }>[];
  languageAccuracy: number;
  thresholds: readonly ThresholdPoint[];
  trainingMs: number;
  /** Each held-out inquiry with the verdict, for other evaluations of the same split (the KB's deflection). */
  verdicts: readonly Readonly<{ inquiry: LabelledInquiry; verdict: ClassifierVerdict }>[];
}>;

export const TARGETS = { accuracy: 0.9, minRecall: 0.8 } as const;

/** Trains on the split's training part and measures on its held-out part (training-data.ts `isHeldOut`). */
export function evaluateHeldOut(shipped: readonly LabelledInquiry[], articles: readonly LabelledInquiry[] = []): HeldOutEvaluation {
  const { train, test } = splitHeldOut(shipped);
  const started = performance.now();
  const models = trainClassifierModels({ shipped, articles, heldOut: 'excluded' });
  const trainingMs = performance.now() - started;
  return { ...measure(models, test), trainExamples: train.length + articles.length, trainingMs };
}

/**
 * Measures already trained models (the served ones: every shipped example) on inquiries written
 * apart from the training data (`data/classifier-probe`), the closest this repository has to a
 * customer's unseen words.
 */
export function evaluateProbe(models: ClassifierModels, probe: readonly LabelledInquiry[]): ProbeEvaluation {
  return measure(models, probe);
}

export type ProbeEvaluation = Omit<HeldOutEvaluation, 'trainExamples' | 'trainingMs'>;

function measure(models: ClassifierModels, examples: readonly LabelledInquiry[]): ProbeEvaluation {
  const verdicts = examples.map((inquiry) => ({ inquiry, verdict: classifyWith(models, { subject: inquiry.subject, body: inquiry.text }) }));
  const outcomes = verdicts.map(({ inquiry, verdict }) => ({ actual: inquiry.category, predicted: verdict.category, confidence: verdict.confidence }));
  const perLanguage = LANGUAGES.map((language) => {
    const mine = verdicts.filter(({ inquiry }) => inquiry.language === language);
    const correct = mine.filter(({ inquiry, verdict }) => inquiry.category === verdict.category).length;
    return { language, examples: mine.length, accuracy: mine.length === 0 ? 0 : correct / mine.length };
  });
  const languageCorrect = verdicts.filter(({ inquiry, verdict }) => inquiry.language === verdict.language).length;
  return {
    modelVersion: models.category.version,
    report: classificationReport(outcomes, CATEGORIES),
    perLanguage,
    languageAccuracy: verdicts.length === 0 ? 0 : languageCorrect / verdicts.length,
    thresholds: thresholdCurve(outcomes, [0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7, 0.8]),
    verdicts,
  };
}

const percent = (value: number): string => `${(value * 100).toFixed(1)}%`;

/**
 * The evaluation as the terminal shows it: summary, per class, per language, threshold curve,
 * confusion matrix. A probe evaluation says which model it measured and on how many inquiries.
 */
export function renderEvaluation(evaluation: HeldOutEvaluation | ProbeEvaluation, minConfidence: number): string {
  const { report } = evaluation;
  const lines: string[] = [];
  const minRecall = Math.min(...report.perLabel.map((stats) => stats.recall));
  const met = report.accuracy >= TARGETS.accuracy && minRecall >= TARGETS.minRecall;
  lines.push(
    'trainExamples' in evaluation
      ? `model ${evaluation.modelVersion}: trained on ${evaluation.trainExamples} examples in ${evaluation.trainingMs.toFixed(0)} ms, held out ${report.examples}`
      : `served model ${evaluation.modelVersion} (trained on every shipped example) on ${report.examples} probe inquiries written apart from the training data, never trained on`,
  );
  lines.push(`accuracy ${percent(report.accuracy)}  macro-F1 ${percent(report.macroF1)}  lowest recall ${percent(minRecall)}  language id ${percent(evaluation.languageAccuracy)}`);
  lines.push(`targets: accuracy >= ${percent(TARGETS.accuracy)}, every class recall >= ${percent(TARGETS.minRecall)}: ${met ? 'MET' : 'NOT MET'}`);
  lines.push('', 'category                 precision  recall     F1  support');
  for (const stats of report.perLabel) {
    lines.push(`${stats.label.padEnd(24)} ${percent(stats.precision).padStart(9)} ${percent(stats.recall).padStart(7)} ${percent(stats.f1).padStart(6)} ${String(stats.support).padStart(8)}`);
  }
  lines.push('', 'language  examples  accuracy');
  for (const { language, examples, accuracy } of evaluation.perLanguage) lines.push(`${language.padEnd(9)} ${String(examples).padStart(8)} ${percent(accuracy).padStart(9)}`);
  lines.push('', 'confidence threshold → share routed automatically, precision of those (below it: the triage queue)');
  for (const point of evaluation.thresholds) {
    const marker = Math.abs(point.threshold - minConfidence) < 1e-9 ? '  ← configured' : '';
    lines.push(`  ${point.threshold.toFixed(2)}  ${percent(point.coverage).padStart(6)}  ${percent(point.precision).padStart(6)}${marker}`);
  }
  lines.push('', 'confusion matrix (rows: actual, columns: predicted, in the order above)');
  const short = (category: Category | string) => category.slice(0, 5);
  lines.push(`${''.padEnd(24)}${report.labels.map((label) => short(label).padStart(6)).join('')}`);
  report.confusion.forEach((row, index) => lines.push(`${report.labels[index].padEnd(24)}${row.map((count) => String(count).padStart(6)).join('')}`));
  return lines.join('\n');
}
