import { SLA_CONTRACT, SLA_GRPC_PACKAGE, SLA_PROTO_FILE } from '@ticketing/contracts';
import { defineContext } from '@ticketing/runtime';
import { SlaConsumersModule, SlaModule } from './sla.module';

/** The fully-qualified name of the SLA gRPC service. */
export const SLA_GRPC_SERVICE = `${SLA_GRPC_PACKAGE}.SlaService`;

/** SLA tracking: clocks per ticket from intake's and routing's events, policies, timers, reports, surges. */
export const SLA_CONTEXT = defineContext({
  contract: SLA_CONTRACT,
  module: SlaModule,
  consumers: SlaConsumersModule,
  eventualProjections: SlaModule.projections,
  serves: 'api',
  grpc: { package: SLA_GRPC_PACKAGE, protoFile: SLA_PROTO_FILE, services: [SLA_GRPC_SERVICE] },
});
