import { AUDIT_CONTEXT } from '@ticketing/audit-feature';
import { defineService } from '@ticketing/runtime';

/** The audit deployable: any ticket's history across contexts, its state at a moment, chain verification and signed exports over /v1/audit; it relays only who read what (`audit-access-…`). */
export const AUDIT_SERVICE = defineService({ name: 'audit', contexts: [AUDIT_CONTEXT] });
