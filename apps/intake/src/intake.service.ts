import { IntakeModule } from '@ticketing/intake-feature';
import { defineService } from '@ticketing/runtime';

/** The intake deployable: the ticket API and its read model; it relays intake's `ticket-` streams. */
export const INTAKE_SERVICE = defineService({
  name: 'intake',
  modules: [IntakeModule],
  projections: IntakeModule.projections,
  relayContexts: ['intake'],
});
