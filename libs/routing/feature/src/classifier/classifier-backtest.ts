import { classificationReport, type ClassificationReport } from '@ticketing/classifier';
import { CATEGORIES } from '@ticketing/contracts';
import type { HistoricalTicket } from './history-labels';
import { classifyWith, type ClassifierModels } from './ticket-classifier';

export type Backtest = Readonly<{
  modelVersion: string;
  tickets: number;
  corrected: number;
  /** Over every past ticket, against the label it ended with. */
  report: ClassificationReport;
  /** Over the tickets people corrected: the ones the served model got wrong. */
  correctedAccuracy: number;
  /** Tickets whose category this model would give differently from the model that classified them. */
  changedVerdicts: number;
}>;

/** Replays past tickets through a candidate model and compares with the labels people settled on. */
export function backtest(models: ClassifierModels, tickets: readonly HistoricalTicket[]): Backtest {
  const outcomes = tickets.map((ticket) => ({ ticket, predicted: classifyWith(models, { subject: ticket.subject, body: ticket.text }).category }));
  const corrected = outcomes.filter(({ ticket }) => ticket.corrected);
  return {
    modelVersion: models.category.version,
    tickets: tickets.length,
    corrected: corrected.length,
    report: classificationReport(outcomes.map(({ ticket, predicted }) => ({ actual: ticket.category, predicted })), CATEGORIES),
    correctedAccuracy: corrected.length === 0 ? 0 : corrected.filter(({ ticket, predicted }) => ticket.category === predicted).length / corrected.length,
    changedVerdicts: outcomes.filter(({ ticket, predicted }) => ticket.classifiedAs !== predicted).length,
  };
}

export function renderBacktest(result: Backtest): string {
  const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
  return [
    `model ${result.modelVersion} on ${result.tickets} past tickets (${result.corrected} corrected by people):`,
    `  agrees with the settled label on ${percent(result.report.accuracy)} (macro-F1 ${percent(result.report.macroF1)});` +
      ` on the corrected ones ${percent(result.correctedAccuracy)}; would change ${result.changedVerdicts} verdicts of the model that classified them`,
  ].join('\n');
}
