import type { Command } from 'commander';
import { evaluateHeldOut, loadArticleExamples, loadLabelledInquiries, renderEvaluation, routingRulesFromEnv, shippedDataDir } from '@ticketing/routing-feature';

export function registerClassifierCommands(program: Command): void {
  const classifier = program.command('classifier').description('the ticket classifier: evaluation, retraining from agents\' corrections');

  classifier
    .command('evaluate')
    .description('train on the shipped data\'s training split and report on its held-out split (accuracy, macro-F1, per class and language, confusion matrix)')
    .option('--data <dir>', 'labelled inquiries (data/classifier layout)')
    .option('--kb <dir>', 'starter knowledge base whose articles are also learnt from (data/kb layout)')
    .option('--json', 'print the figures as JSON')
    .action((options: { data?: string; kb?: string; json?: boolean }) => {
      const rules = routingRulesFromEnv();
      const evaluation = evaluateHeldOut(loadLabelledInquiries(options.data ?? shippedDataDir('classifier')), loadArticleExamples(options.kb ?? shippedDataDir('kb')));
      if (options.json) {
        const { verdicts: _verdicts, ...figures } = evaluation;
        process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
      } else process.stdout.write(`${renderEvaluation(evaluation, rules.minConfidence)}\n`);
    });
}
