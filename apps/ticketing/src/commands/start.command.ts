import type { Command } from 'commander';
import { Logger } from '@nestjs/common';
import { assertConfigOrExit } from '@ticketing/platform';
import { bootTicketing } from '../boot';

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('run every service in one process on the configured (by default embedded) runtime')
    .action(async () => {
      const config = assertConfigOrExit();
      const { app } = await bootTicketing({ config, mode: 'serve', consumers: 'thread' });
      const url = await app.getUrl();
      new Logger('ticketing').log(`Serving on ${url} (OpenAPI at ${url}/docs); data in ${config.dataDir}`);
    });
}
