import { INTAKE_EVENT_TYPES } from './intake/intake.events';
import { ROUTING_EVENT_TYPES } from './routing/routing.events';
import type { ContextName } from './streams';

/**
 * The event types each context publishes, hence the Kafka topic each type travels on. A context's
 * types join here together with its contracts: a consumer of a type missing here fails the boot on
 * Kafka rather than silently never receiving anything.
 */
export const EVENT_TYPES_BY_CONTEXT: Readonly<Partial<Record<ContextName, readonly string[]>>> = {
  intake: INTAKE_EVENT_TYPES,
  routing: ROUTING_EVENT_TYPES,
};
