import { connectIntakeGrpc, IntakeModule } from '@ticketing/intake-feature';
import { defineService } from '@ticketing/runtime';

/**
 * The intake deployable: the ticket API over REST and gRPC, its read model and its background
 * tasks (auto-close); its relay publishes intake's `ticket-` streams.
 */
export const INTAKE_SERVICE = defineService({
  name: 'intake',
  modules: [IntakeModule],
  projections: IntakeModule.projections,
  relayContexts: ['intake'],
  transports: [
    (app, config) => {
      const grpc = connectIntakeGrpc(app, { port: config.grpcPort });
      return { name: 'grpc', port: () => grpc.port };
    },
  ],
});
