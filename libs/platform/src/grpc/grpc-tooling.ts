import { dirname, join } from 'node:path';
import type { Server } from '@grpc/grpc-js';
import type { INestApplicationContext } from '@nestjs/common';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { GOOGLE_RPC_ERROR_DETAILS_PROTO_FILE, GOOGLE_RPC_STATUS_PROTO_FILE, protoDir } from '@ticketing/contracts';
import { CLOCK, SystemClock, type Clock } from '@ticketing/kernel';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { BackgroundTasks } from '../background/background-tasks';
import { ReadinessRegistry } from '../health/readiness.registry';
import { GrpcHealth } from './grpc-health';
import { withLinkedDescriptors } from './linked-descriptors';

const HEALTH_PROTO_DIR = join(dirname(healthProtoPath), '..', '..');
const HEALTH_PROTO_FILE = 'health/v1/health.proto';
const REFLECTION_PROTO_DIR = join(dirname(require.resolve('@grpc/reflection')), '..', 'proto');
const REFLECTION_PROTO_FILES = ['grpc/reflection/v1/reflection.proto', 'grpc/reflection/v1alpha/reflection.proto'];

export type GrpcToolingOptions = Readonly<{
  /** The server's own .proto files, relative to `protoDir()`. */
  protoFiles: readonly string[];
  /** Fully-qualified names of the services the server serves, e.g. `ticketing.intake.v1.TicketService`. */
  services: readonly string[];
}>;

function clockOf(app: INestApplicationContext): Clock {
  try {
    return app.get<Clock>(CLOCK, { strict: false });
  } catch {
    return new SystemClock();
  }
}

/**
 * What gRPC tooling (grpcurl, Postman, load balancers, Kubernetes probes) expects of a server:
 * server reflection (v1 and v1alpha) over the server's services, grpc.health.v1.Health and
 * reflection itself, with google.rpc's error details resolvable; and Health answering the app's
 * readiness (see GrpcHealth). Call it on the grpc-js server before it starts.
 */
export function addGrpcTooling(server: Server, app: INestApplicationContext, options: GrpcToolingOptions): GrpcHealth {
  const definition = loadSync(
    [...options.protoFiles, GOOGLE_RPC_STATUS_PROTO_FILE, GOOGLE_RPC_ERROR_DETAILS_PROTO_FILE, HEALTH_PROTO_FILE, ...REFLECTION_PROTO_FILES],
    // The proto's own field names (not the server's camelCase): clients build requests from these.
    { keepCase: true, includeDirs: [protoDir(), HEALTH_PROTO_DIR, REFLECTION_PROTO_DIR] },
  );
  new ReflectionService(withLinkedDescriptors(definition)).addToServer(server);
  const health = new GrpcHealth(app.get(ReadinessRegistry, { strict: false }), options.services);
  health.addToServer(server);
  app.get(BackgroundTasks, { strict: false }).register(health.pollTask(clockOf(app)));
  return health;
}
