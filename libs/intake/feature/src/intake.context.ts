import { INTAKE_CONTRACT } from '@ticketing/contracts';
import { defineContext } from '@ticketing/runtime';
import { connectIntakeGrpc } from './grpc/intake-grpc.server';
import { IntakeModule } from './intake.module';

/** Intake: tickets, their lifecycle and conversation, over REST, gRPC and the ops event stream. */
export const INTAKE_CONTEXT = defineContext({
  contract: INTAKE_CONTRACT,
  module: IntakeModule,
  projections: IntakeModule.projections,
  serves: 'api',
  transports: [
    (app, config) => {
      const grpc = connectIntakeGrpc(app, { port: config.grpcPort });
      return { name: 'grpc', port: () => grpc.port };
    },
  ],
});
