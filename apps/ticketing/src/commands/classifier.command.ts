import type { Command } from 'commander';
import { evaluateDeflection, renderDeflection } from './deflection.evaluation';
import { withRuntime } from './cli-runtime';
import {
  backtest,
  historicalTickets,
  loadStoredModel,
  NoCorrectionsError,
  renderBacktest,
  retrainClassifier,
  servedClassifierModels,
  defaultModelCacheDir, evaluateHeldOut, evaluateProbe, loadArticleExamples, loadLabelledInquiries, loadProbeInquiries, renderEvaluation, routingRulesFromEnv, shippedClassifierModels, shippedDataDir,
} from '@ticketing/routing-feature';

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
    .command('retrain')
    .description('train a new model version from the shipped data plus the corrections people made in the event history, and backtest it beside the served one')
    .action(async () => {
      await withRuntime(async (runtime) => {
        try {
          const retrained = await retrainClassifier(runtime.eventStore, new Date());
          process.stdout.write(
            `${retrained.version}: learnt ${retrained.corrections} corrections; stored in ${defaultModelCacheDir()}\n` +
              `candidate: ${renderBacktest(retrained.candidate)}\nserved:    ${renderBacktest(retrained.served)}\n` +
              `serve it with TICKETING_CLASSIFIER_MODEL=${retrained.version}\n`,
          );
        } catch (error) {
          if (!(error instanceof NoCorrectionsError)) throw error;
          process.stderr.write(`${error.message}\n`);
          process.exitCode = 1;
        }
      });
    });

  classifier
    .command('evaluate')
    .description('train on the shipped data\'s training split and report on its held-out split (accuracy, macro-F1, per class and language, confusion matrix)')
    .option('--data <dir>', 'labelled inquiries (data/classifier layout)')
    .option('--kb <dir>', 'starter knowledge base whose articles are also learnt from (data/kb layout)')
    .option('--probe <dir>', 'also measure the served model on these inquiries, written apart from the training data (flat *.jsonl; default: data/classifier-probe when present)')
    .option('--json', 'print the figures as JSON')
    .option('--on-history', 'instead: replay the tickets of the event history through a model and compare with the labels people settled on')
    .option('--model <version>', 'with --on-history: a model `retrain` stored (default: the served one)')
    .action(async (options: { data?: string; kb?: string; probe?: string; json?: boolean; onHistory?: boolean; model?: string }) => {
      if (options.onHistory) return evaluateOnHistory(options.model, options.json === true);
      const rules = routingRulesFromEnv();
      const kbDir = options.kb ?? shippedDataDir('kb');
      const evaluation = evaluateHeldOut(loadLabelledInquiries(options.data ?? shippedDataDir('classifier')), loadArticleExamples(kbDir));
      const deflection = await evaluateDeflection(evaluation, kbDir);
      const probeDir = options.probe ?? defaultProbeDir();
      const probe = probeDir === undefined ? undefined : evaluateProbe(shippedClassifierModels(), loadProbeInquiries(probeDir));
      const probeDeflection = probe === undefined ? undefined : await evaluateDeflection(probe, kbDir);
      if (options.json) {
        const figures = { ...withoutVerdicts(evaluation), deflection };
        const probeFigures = probe && { probe: { ...withoutVerdicts(probe), deflection: probeDeflection } };
        process.stdout.write(`${JSON.stringify({ ...figures, ...probeFigures }, null, 2)}\n`);
        return;
      }
      const sections = [renderEvaluation(evaluation, rules.minConfidence), renderDeflection(deflection)];
      if (probe && probeDeflection) sections.push(`--- probe (${probeDir})`, renderEvaluation(probe, rules.minConfidence), renderDeflection(probeDeflection, 'probe'));
      process.stdout.write(`${sections.join('\n\n')}\n`);
    });
}

/** An evaluation's figures without its per-inquiry verdicts (JSON output). */
const withoutVerdicts = <T extends { verdicts: unknown }>({ verdicts: _verdicts, ...figures }: T): Omit<T, 'verdicts'> => figures;

/** data/classifier-probe when the checkout has it (the image does not ship it). */
function defaultProbeDir(): string | undefined {
  try {
    return shippedDataDir('classifier-probe');
  } catch {
    return undefined;
  }
}

async function evaluateOnHistory(version: string | undefined, json: boolean): Promise<void> {
  await withRuntime(async (runtime) => {
    const served = servedClassifierModels();
    const models = version === undefined ? served : { category: loadStoredModel(defaultModelCacheDir(), version), language: served.language };
    const tickets = await historicalTickets(runtime.eventStore);
    if (tickets.length === 0) {
      process.stderr.write('No classified ticket in the event history: nothing to replay\n');
      process.exitCode = 1;
      return;
    }
    const result = backtest(models, tickets);
    process.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : `${renderBacktest(result)}\n`);
  });
}
