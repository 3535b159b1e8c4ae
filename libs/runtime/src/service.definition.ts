import { CONTEXT_NAMES, type ContextName } from '@ticketing/contracts';
import { assertComposable, type ContextDefinition } from './context.definition';

/** The production deployables: one per context in libs/contracts. */
export const SERVICE_NAMES: readonly ContextName[] = CONTEXT_NAMES;
export type ServiceName = ContextName;

/**
 * What one deployable runs: its name and its contexts (normally the one it is named after). A
 * service whose context does not exist yet lists none and serves health and metrics only.
 */
export type ServiceDefinition = Readonly<{ name: ServiceName; contexts: readonly ContextDefinition[] }>;

/** Declares a deployable; a list that cannot be composed fails at import. */
export function defineService(definition: ServiceDefinition): ServiceDefinition {
  assertComposable(definition.contexts);
  return Object.freeze({ name: definition.name, contexts: [...definition.contexts] });
}
