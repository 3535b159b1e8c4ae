import { defineService } from '@ticketing/runtime';

/** The audit deployable. Its context does not exist yet: it serves health and metrics only, and logs so. */
export const AUDIT_SERVICE = defineService({ name: 'audit', contexts: [] });
