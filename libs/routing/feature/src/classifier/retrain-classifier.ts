import type { EventStore } from '@ticketing/event-store';
import { backtest, type Backtest } from './classifier-backtest';
import { cachingTrainer, defaultModelCacheDir, servedClassifierModels, writeModelManifest } from './classifier-models.provider';
import { historicalTickets } from './history-labels';
import { shippedDataDir } from './shipped-data';
import { trainClassifierModels } from './ticket-classifier';
import { loadArticleExamples, loadLabelledInquiries } from './training-data';

export type Retrained = Readonly<{ version: string; corrections: number; candidate: Backtest; served: Backtest }>;

/** Nothing to learn: no ticket in the history was corrected by a person. */
export class NoCorrectionsError extends Error {}

/**
 * A new category model from the shipped data plus every correction people made in the event
 * history (each corrected ticket's text with the category they settled on), stored under its
 * version in the model cache with a manifest, and backtested beside the served model on the same
 * history. It is served only once TICKETING_CLASSIFIER_MODEL names it.
 */
export async function retrainClassifier(eventStore: EventStore, now: Date): Promise<Retrained> {
  const history = await historicalTickets(eventStore);
  const corrections = history.filter((ticket) => ticket.corrected);
  if (corrections.length === 0) throw new NoCorrectionsError('No ticket in the event history was recategorized by a person: there is nothing new to learn, and no model was written');
  const shipped = loadLabelledInquiries(shippedDataDir('classifier'));
  const dir = defaultModelCacheDir();
  const models = trainClassifierModels({ shipped, articles: loadArticleExamples(shippedDataDir('kb')), corrections }, cachingTrainer(dir));
  writeModelManifest(dir, {
    version: models.category.version,
    labels: models.category.labels,
    dimensions: models.category.dimensions,
    maxChars: models.category.maxChars,
    trainedAt: now.toISOString(),
    shippedExamples: shipped.length,
    corrections: corrections.length,
  });
  return { version: models.category.version, corrections: corrections.length, candidate: backtest(models, history), served: backtest(servedClassifierModels(), history) };
}
