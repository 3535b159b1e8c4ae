import { DISPUTES_CONTRACT, DISPUTES_GRPC_PACKAGE, DISPUTES_PROTO_FILE } from '@ticketing/contracts';
import { defineContext } from '@ticketing/runtime';
import { DisputesModule } from './disputes.module';

/** The fully-qualified name of the disputes gRPC service. */
export const DISPUTES_GRPC_SERVICE = `${DISPUTES_GRPC_PACKAGE}.DisputesService`;

/** Dispute evidence: liquidation disputes, wrong-network recoveries, sealed and signed evidence bundles. */
export const DISPUTES_CONTEXT = defineContext({
  contract: DISPUTES_CONTRACT,
  module: DisputesModule,
  projections: DisputesModule.projections,
  eventualProjections: DisputesModule.eventualProjections,
  serves: 'api',
  grpc: { package: DISPUTES_GRPC_PACKAGE, protoFile: DISPUTES_PROTO_FILE, services: [DISPUTES_GRPC_SERVICE] },
});
