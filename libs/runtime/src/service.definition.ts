import type { Type } from '@nestjs/common';
import type { ContextName } from '@ticketing/contracts';
import type { AnyProjectionDefinition } from '@ticketing/read-store';

/** The production deployables (DESIGN.md §2), one per service. */
export const SERVICE_NAMES = ['intake', 'routing', 'sla', 'disputes', 'audit'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/**
 * What one deployable runs. A service whose context does not exist yet lists no module, and then
 * serves health and metrics only: no route, consumer, projection or relay of its own.
 */
export type ServiceDefinition = Readonly<{
  name: ServiceName;
  /** Its own context's feature module(s): their controllers and `@EventPattern` consumers. */
  modules: readonly Type<unknown>[];
  /** Read models those modules need kept up to date. */
  projections: readonly AnyProjectionDefinition[];
  /**
   * Contexts whose streams its relay publishes to their Kafka topics when TICKETING_BUS=kafka://…:
   * the streams its modules write. Audit writes none, so it never relays.
   */
  relayContexts: readonly ContextName[];
}>;

/** Checks a service definition at its declaration, so a typo fails at import rather than at boot. */
export function defineService(definition: ServiceDefinition): ServiceDefinition {
  if (new Set(definition.relayContexts).size !== definition.relayContexts.length) {
    throw new Error(`Service ${definition.name} lists a relay context twice: ${definition.relayContexts.join(', ')}`);
  }
  if (definition.modules.length === 0 && (definition.projections.length > 0 || definition.relayContexts.length > 0)) {
    // Projections or a relay without the context that owns them would be a service pretending to be there.
    throw new Error(`Service ${definition.name} has no module but lists projections or relay contexts`);
  }
  const names = definition.projections.map((projection) => projection.name);
  if (new Set(names).size !== names.length) {
    throw new Error(`Service ${definition.name} lists a projection twice: ${names.join(', ')}`);
  }
  return Object.freeze({ ...definition, modules: [...definition.modules], projections: [...definition.projections], relayContexts: [...definition.relayContexts] });
}
