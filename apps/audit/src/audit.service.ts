import { defineService } from '@ticketing/runtime';

/**
 * The audit deployable. No audit context module exists in this build yet: it boots the platform
 * only (health, metrics) and logs that it has no module. Its feature module goes in `modules`
 * once the context lands. Audit writes no streams (it only reads), so it never relays.
 */
export const AUDIT_SERVICE = defineService({
  name: 'audit',
  modules: [],
  projections: [],
  relayContexts: [],
});
