import { defineService } from '@ticketing/runtime';
import { SLA_CONTEXT } from '@ticketing/sla-feature';

/** The sla deployable: follows intake's and routing's events into clocks, fires their timers, serves /v1/sla; it relays `sla-` streams. */
export const SLA_SERVICE = defineService({ name: 'sla', contexts: [SLA_CONTEXT] });
