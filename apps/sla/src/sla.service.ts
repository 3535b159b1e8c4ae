import { defineService } from '@ticketing/runtime';

/** The sla deployable. Its context does not exist yet: it serves health and metrics only, and logs so. */
export const SLA_SERVICE = defineService({ name: 'sla', contexts: [] });
