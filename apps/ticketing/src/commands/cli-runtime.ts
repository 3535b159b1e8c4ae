import { assertConfigOrExit } from '@ticketing/platform';
import type { AnyProjectionDefinition } from '@ticketing/read-store';
import { TicketingRuntime } from '@ticketing/runtime';

/**
 * Opens the configured stores (keeping `projections`' read models, none by default), runs `work`
 * on them and closes them, whatever `work` did.
 */
export async function withRuntime<T>(work: (runtime: TicketingRuntime) => Promise<T>, projections: readonly AnyProjectionDefinition[] = []): Promise<T> {
  const runtime = await TicketingRuntime.open({ config: assertConfigOrExit(), projections });
  try {
    return await work(runtime);
  } finally {
    await runtime.close();
  }
}
