import { INTAKE_CONTRACT, INTAKE_GRPC_PACKAGE, INTAKE_PROTO_FILE } from '@ticketing/contracts';
import { defineContext } from '@ticketing/runtime';
import { IntakeModule } from './intake.module';

/** The fully-qualified name of the intake gRPC service, as reflection and health name it. */
export const INTAKE_GRPC_SERVICE = `${INTAKE_GRPC_PACKAGE}.TicketService`;

/** Intake: tickets, their lifecycle and conversation, over REST, gRPC and the ops event stream. */
export const INTAKE_CONTEXT = defineContext({
  contract: INTAKE_CONTRACT,
  module: IntakeModule,
  projections: IntakeModule.projections,
  serves: 'api',
  grpc: { package: INTAKE_GRPC_PACKAGE, protoFile: INTAKE_PROTO_FILE, services: [INTAKE_GRPC_SERVICE] },
});
