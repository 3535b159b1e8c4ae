import { defineService } from '@ticketing/runtime';

/**
 * The disputes deployable. No disputes context module exists in this build yet: it boots the platform
 * only (health, metrics) and logs that it has no module. Its feature module goes in `modules`
 * once the context lands.
 */
export const DISPUTES_SERVICE = defineService({
  name: 'disputes',
  modules: [],
  projections: [],
  relayContexts: [],
});
