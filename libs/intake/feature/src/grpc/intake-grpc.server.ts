import type { INestApplication } from '@nestjs/common';
import { INTAKE_GRPC_PACKAGE, INTAKE_PROTO_FILE } from '@ticketing/contracts';
import { serveGrpcApi, type PortReportingGrpcServer } from '@ticketing/platform';

export { GRPC_KEEPALIVE_OPTIONS, PortReportingGrpcServer } from '@ticketing/platform';

/** The fully-qualified name of the intake gRPC service, as reflection and health name it. */
export const INTAKE_GRPC_SERVICE = `${INTAKE_GRPC_PACKAGE}.TicketService`;

/**
 * Serves the intake TicketService on the app's gRPC server (shared with the other contexts of the
 * process), with server reflection and grpc.health.v1.Health (the app's readiness).
 * It listens once `app.startAllMicroservices()` runs; read the port from the returned server then.
 */
export function connectIntakeGrpc(app: INestApplication, options: Readonly<{ port: number; host?: string }>): PortReportingGrpcServer {
  return serveGrpcApi(app, { package: INTAKE_GRPC_PACKAGE, protoFile: INTAKE_PROTO_FILE, service: INTAKE_GRPC_SERVICE }, options);
}
