import { DISPUTES_CONTEXT } from '@ticketing/disputes-feature';
import { defineService } from '@ticketing/runtime';

/** The disputes deployable: liquidation disputes, wrong-network recoveries and signed bundles over /v1/disputes and /v1/recoveries; it relays `dispute-` and `recovery-` streams. */
export const DISPUTES_SERVICE = defineService({ name: 'disputes', contexts: [DISPUTES_CONTEXT] });
