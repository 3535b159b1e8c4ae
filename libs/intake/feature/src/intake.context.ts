import { INTAKE_CONTRACT, INTAKE_GRPC_PACKAGE, INTAKE_PROTO_FILE } from '@ticketing/contracts';
import { defineContext } from '@ticketing/runtime';
import { INTAKE_GROUP } from './assignments.consumer';
import { IntakeConsumersModule, IntakeModule } from './intake.module';

/** The fully-qualified name of the intake gRPC service, as reflection and health name it. */
export const INTAKE_GRPC_SERVICE = `${INTAKE_GRPC_PACKAGE}.TicketService`;

/** Intake: tickets, their lifecycle and conversation, over REST, gRPC and the ops event stream; assignees from routing's bus events. */
export const INTAKE_CONTEXT = defineContext({
  contract: INTAKE_CONTRACT,
  module: IntakeModule,
  projections: IntakeModule.projections,
  serves: 'api',
  consumers: IntakeConsumersModule,
  // Showing routing's assignee is a convenience: with the broker down, intake keeps taking tickets (and stays ready).
  auxiliaryConsumerGroups: [INTAKE_GROUP],
  grpc: { package: INTAKE_GRPC_PACKAGE, protoFile: INTAKE_PROTO_FILE, services: [INTAKE_GRPC_SERVICE] },
});
