import { assertConfigOrExit } from '@ticketing/platform';
import { composeContexts } from './compose-contexts';
import type { ServiceDefinition } from './service.definition';

/**
 * The `main` of a deployable: validate the environment (exit 1 with every bad variable), compose its
 * contexts, and exit 1 with the reason when it cannot start. SIGTERM/SIGINT close it gracefully.
 */
export async function runService(service: ServiceDefinition): Promise<void> {
  const config = assertConfigOrExit();
  try {
    await composeContexts({ name: service.name, contexts: service.contexts, config, mode: 'serve' });
  } catch (error) {
    process.stderr.write(`${service.name}: cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
