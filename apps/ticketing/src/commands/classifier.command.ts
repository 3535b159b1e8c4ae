import type { Command } from 'commander';
import { evaluateDeflection, renderDeflection } from './deflection.evaluation';
import { defaultModelCacheDir, evaluateHeldOut, loadArticleExamples, loadLabelledInquiries, renderEvaluation, routingRulesFromEnv, shippedClassifierModels, shippedDataDir } from '@ticketing/routing-feature';

export function registerClassifierCommands(program: Command): void {
  const classifier = program.command('classifier').description('the ticket classifier: evaluation, retraining from agents\' corrections');

  classifier
    .command('train')
    .description('train the served model from the shipped data into the model cache (npm run build does it), printing its versions')
    .action(() => {
      const started = performance.now();
      const models = shippedClassifierModels();
      process.stdout.write(
        `classifier ${models.category.version}, language ${models.language.version} in ${defaultModelCacheDir()} (${Math.round(performance.now() - started)} ms)\n`,
      );
    });

  classifier
    .command('evaluate')
    .description('train on the shipped data\'s training split and report on its held-out split (accuracy, macro-F1, per class and language, confusion matrix)')
    .option('--data <dir>', 'labelled inquiries (data/classifier layout)')
    .option('--kb <dir>', 'starter knowledge base whose articles are also learnt from (data/kb layout)')
    .option('--json', 'print the figures as JSON')
    .action(async (options: { data?: string; kb?: string; json?: boolean }) => {
      const rules = routingRulesFromEnv();
      const kbDir = options.kb ?? shippedDataDir('kb');
      const evaluation = evaluateHeldOut(loadLabelledInquiries(options.data ?? shippedDataDir('classifier')), loadArticleExamples(kbDir));
      const deflection = await evaluateDeflection(evaluation, kbDir);
      if (options.json) {
        const { verdicts: _verdicts, ...figures } = evaluation;
        process.stdout.write(`${JSON.stringify({ ...figures, deflection }, null, 2)}\n`);
      } else process.stdout.write(`${renderEvaluation(evaluation, rules.minConfidence)}\n\n${renderDeflection(deflection)}\n`);
    });
}
