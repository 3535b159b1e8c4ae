import { AUDIT_CONTEXT } from '@ticketing/audit-feature';
import { DISPUTES_CONTEXT } from '@ticketing/disputes-feature';
import { INTAKE_CONTEXT } from '@ticketing/intake-feature';
import { KB_CONTEXT } from '@ticketing/kb-feature';
import type { AnyProjectionDefinition } from '@ticketing/read-store';
import { ROUTING_CONTEXT } from '@ticketing/routing-feature';
import { SLA_CONTEXT } from '@ticketing/sla-feature';
import type { ContextDefinition } from '@ticketing/runtime';

/** Every context this build runs in one process (`ticketing start`), one line each. */
export const CONTEXTS: readonly ContextDefinition[] = [INTAKE_CONTEXT, ROUTING_CONTEXT, KB_CONTEXT, SLA_CONTEXT, DISPUTES_CONTEXT, AUDIT_CONTEXT];

/** Every read model of those contexts, for the projections commands. */
export const CONTEXT_PROJECTIONS: readonly AnyProjectionDefinition[] = CONTEXTS.flatMap((context) => context.projections);
