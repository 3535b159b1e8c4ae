import 'reflect-metadata';
import { buildCli } from './cli';

buildCli()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    process.stderr.write(`ticketing: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
