import { INTAKE_CONTEXT } from '@ticketing/intake-feature';
import { defineService } from '@ticketing/runtime';

/** The intake deployable: the ticket API (REST, gRPC), its read model, auto-close; it relays `ticket-` streams. */
export const INTAKE_SERVICE = defineService({ name: 'intake', contexts: [INTAKE_CONTEXT] });
