import { ROUTING_CONTRACT, ROUTING_GRPC_PACKAGE, ROUTING_PROTO_FILE } from '@ticketing/contracts';
import { defineContext } from '@ticketing/runtime';
import { RoutingConsumersModule, RoutingModule } from './routing.module';

/** The fully-qualified name of the routing gRPC service. */
export const ROUTING_GRPC_SERVICE = `${ROUTING_GRPC_PACKAGE}.RoutingService`;

/** Routing: classifies tickets, sets their priority and queues them; reads intake's events only from the bus. */
export const ROUTING_CONTEXT = defineContext({
  contract: ROUTING_CONTRACT,
  module: RoutingModule,
  consumers: RoutingConsumersModule,
  // Nothing routing serves waits for the board after a write; its rows come from the consumer thread's events anyway.
  eventualProjections: RoutingModule.projections,
  serves: 'api',
  grpc: { package: ROUTING_GRPC_PACKAGE, protoFile: ROUTING_PROTO_FILE, services: [ROUTING_GRPC_SERVICE] },
});
