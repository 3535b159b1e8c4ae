import type { Type } from '@nestjs/common';
import type { AnyProjectionDefinition } from '@ticketing/read-store';
import { IntakeModule } from '@ticketing/intake-feature';
import { RoutingModule } from '@ticketing/routing-feature';

/** Contexts that serve the API (HTTP, gRPC): they run on the main thread. */
export const API_CONTEXT_MODULES: readonly Type<unknown>[] = [IntakeModule];

/**
 * Contexts that only consume the bus. `ticketing start` runs them on a worker thread of their own
 * (consumer.thread.ts), so their work does not queue behind HTTP requests on one event loop.
 */
export const CONSUMER_CONTEXT_MODULES: readonly Type<unknown>[] = [RoutingModule];

/** Every context this build runs in one process; a context appears here once its module exists. */
export const CONTEXT_MODULES: readonly Type<unknown>[] = [...API_CONTEXT_MODULES, ...CONSUMER_CONTEXT_MODULES];

export const CONTEXT_PROJECTIONS: readonly AnyProjectionDefinition[] = [...IntakeModule.projections];
