import type { Type } from '@nestjs/common';
import type { AnyProjectionDefinition } from '@ticketing/read-store';
import { IntakeModule } from '@ticketing/intake-feature';
import { RoutingModule } from '@ticketing/routing-feature';

/** Every context this build runs in one process; a context appears here once its module exists. */
export const CONTEXT_MODULES: readonly Type<unknown>[] = [IntakeModule, RoutingModule];

export const CONTEXT_PROJECTIONS: readonly AnyProjectionDefinition[] = [...IntakeModule.projections];
