import type { INestApplication, Type } from '@nestjs/common';
import type { TicketingConfig } from '@ticketing/platform';
import type { ContextName } from '@ticketing/contracts';
import type { AnyProjectionDefinition } from '@ticketing/read-store';

/** The production deployables (DESIGN.md §2), one per service. */
export const SERVICE_NAMES = ['intake', 'routing', 'sla', 'disputes', 'audit'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** A transport a service serves besides HTTP and the bus (gRPC…), once it listens. */
export type ConnectedTransport = Readonly<{ name: string; port(): number }>;

/**
 * Connects a transport to the app in `serve` mode, before the microservices start (e.g.
 * `connectIntakeGrpc(app, { port: config.grpcPort })`).
 */
export type ServiceTransport = (app: INestApplication, config: TicketingConfig) => ConnectedTransport;

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
  /** Transports besides HTTP and the bus, from its own feature lib; default none. */
  transports?: readonly ServiceTransport[];
}>;

/** Checks a service definition at its declaration, so a typo fails at import rather than at boot. */
export function defineService(definition: ServiceDefinition): ServiceDefinition {
  if (new Set(definition.relayContexts).size !== definition.relayContexts.length) {
    throw new Error(`Service ${definition.name} lists a relay context twice: ${definition.relayContexts.join(', ')}`);
  }
  const transports = definition.transports ?? [];
  if (definition.modules.length === 0 && (definition.projections.length > 0 || definition.relayContexts.length > 0 || transports.length > 0)) {
    // Projections, a relay or a transport without the context that owns them would be a service pretending to be there.
    throw new Error(`Service ${definition.name} has no module but lists projections, relay contexts or transports`);
  }
  const names = definition.projections.map((projection) => projection.name);
  if (new Set(names).size !== names.length) {
    throw new Error(`Service ${definition.name} lists a projection twice: ${names.join(', ')}`);
  }
  return Object.freeze({
    ...definition,
    modules: [...definition.modules],
    projections: [...definition.projections],
    relayContexts: [...definition.relayContexts],
    transports: [...transports],
  });
}
