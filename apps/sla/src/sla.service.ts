import { defineService } from '@ticketing/runtime';

/**
 * The sla deployable. No sla context module exists in this build yet: it boots the platform
 * only (health, metrics) and logs that it has no module. Its feature module goes in `modules`
 * once the context lands.
 */
export const SLA_SERVICE = defineService({
  name: 'sla',
  modules: [],
  projections: [],
  relayContexts: [],
});
