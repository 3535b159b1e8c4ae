import { defineService } from '@ticketing/runtime';

/** The disputes deployable. Its context does not exist yet: it serves health and metrics only, and logs so. */
export const DISPUTES_SERVICE = defineService({ name: 'disputes', contexts: [] });
