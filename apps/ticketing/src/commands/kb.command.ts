import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadStarterArticles, readStarterArticles, starterKbDir } from '@ticketing/kb-feature';
import { printJson } from './cli-output';
import { withRuntime } from './cli-runtime';

export function registerKbCommands(program: Command): void {
  const kb = program.command('kb').description('the knowledge base');

  kb.command('load')
    .description('publish every <category>/<id>.json article of DIR (default: the checkout’s data/kb); articles that exist already are skipped (JSON report)')
    .argument('[dir]', 'folder of <category>/<id>.json article files')
    .action(async (dir: string | undefined) => {
      const folder = dir === undefined ? starterKbDir() : resolve(dir);
      if (folder === undefined) {
        process.stderr.write('No data/kb folder found above the installed code: name the folder, e.g. `ticketing kb load ./data/kb`\n');
        process.exitCode = 2;
        return;
      }
      // A bad file fails the whole load before anything is written, naming the file and what is wrong.
      const articles = await readStarterArticles(folder);
      await withRuntime(async (runtime) => {
        const report = await loadStarterArticles(runtime.eventStore, runtime.clock, articles);
        printJson({ dir: folder, loaded: report.loaded.length, skipped: report.skipped.length, articles: report });
      });
    });
}
