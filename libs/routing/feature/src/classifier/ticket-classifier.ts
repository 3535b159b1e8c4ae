import { scoreText, trainLinearModel, type LinearModel, type Scored, type TrainingExample, type TrainingOptions } from '@ticketing/classifier';
import { CATEGORIES, LANGUAGES, type Category, type Language } from '@ticketing/contracts';
import { inquiryText, splitHeldOut, type LabelledInquiry } from './training-data';

/** What the models say about an inquiry's text. */
export type ClassifierVerdict = Readonly<{
  category: Category;
  confidence: number;
  language: Language;
  languageConfidence: number;
  modelVersion: string;
  /** Every category with its probability, best first. */
  ranked: readonly Scored<Category>[];
}>;

export type ClassifierInput = Readonly<{ subject?: string | null; body: string }>;

/** The trained pair: category, and language over the same features (one pass of training data, two heads). */
export type ClassifierModels = Readonly<{ category: LinearModel<Category>; language: LinearModel<Language> }>;

/** Classifies tickets' text. The routing consumer scores on its own thread; the HTTP endpoint through worker threads. */
export interface TicketClassifier {
  readonly modelVersion: string;
  classify(input: ClassifierInput): Promise<ClassifierVerdict>;
}

export const TICKET_CLASSIFIER = Symbol('TicketClassifier');

/**
 * What a model learns from: the shipped inquiries, the starter KB's articles, and agents'
 * corrections found in the event history (they weigh like shipped examples).
 */
export type TrainingSet = Readonly<{
  shipped: readonly LabelledInquiry[];
  articles?: readonly LabelledInquiry[];
  corrections?: readonly LabelledInquiry[];
  heldOut?: 'excluded' | 'included';
}>;

/** Trains a model, or returns the one already trained from the same inputs (a cache keyed by version). */
export type ModelTrainer = <Label extends string>(
  examples: readonly TrainingExample<Label>[],
  labels: readonly Label[],
  options: Partial<TrainingOptions> & { versionPrefix: string },
) => LinearModel<Label>;

/**
 * Trains both heads. `heldOut: 'excluded'` (evaluation) trains on the split's training part only;
 * served models learn from every shipped example, since the split exists to measure, not to waste.
 */
export function trainClassifierModels(set: TrainingSet, train: ModelTrainer = trainLinearModel): ClassifierModels {
  const shipped = set.heldOut === 'excluded' ? splitHeldOut(set.shipped).train : set.shipped;
  const examples = [...shipped, ...(set.articles ?? []), ...(set.corrections ?? [])];
  const prefix = set.corrections?.length ? 'retrained' : set.heldOut === 'excluded' ? 'eval' : 'base';
  const category = train(
    examples.map((example) => ({ text: inquiryText(example), label: example.category })),
    CATEGORIES,
    { versionPrefix: prefix },
  );
  const language = train(
    examples.map((example) => ({ text: inquiryText(example), label: example.language })),
    LANGUAGES,
    { versionPrefix: 'lang', epochs: 5 },
  );
  return { category, language };
}

/** Scores on the calling thread: for the consumer (already off the HTTP thread), the CLI and tests. */
export class InlineTicketClassifier implements TicketClassifier {
  constructor(private readonly models: ClassifierModels) {}

  get modelVersion(): string {
    return this.models.category.version;
  }

  classify(input: ClassifierInput): Promise<ClassifierVerdict> {
    return Promise.resolve(classifyWith(this.models, input));
  }
}

const LETTER = /\p{L}/u;

export function classifyWith(models: ClassifierModels, input: ClassifierInput): ClassifierVerdict {
  const text = inquiryText({ subject: input.subject, text: input.body });
  const ranked = scoreText(models.category, text);
  // Without a letter (emoji, digits) there is no language to tell: English, as intake falls back.
  const [language] = LETTER.test(text) ? scoreText(models.language, text) : [{ label: 'en' as Language, probability: 0 }];
  return {
    category: ranked[0].label,
    confidence: ranked[0].probability,
    language: language.label,
    languageConfidence: language.probability,
    modelVersion: models.category.version,
    ranked,
  };
}
