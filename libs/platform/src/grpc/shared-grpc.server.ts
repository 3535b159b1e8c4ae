import { Server as GrpcJsServer, ServerCredentials } from '@grpc/grpc-js';
import type { INestApplication } from '@nestjs/common';
import { ServerGrpc, type MicroserviceOptions } from '@nestjs/microservices';
import { protoLoaderOptions } from '@ticketing/contracts';
import { addGrpcTooling } from './grpc-tooling';

/**
 * HTTP/2 keepalive: the server pings a connection after 30 s without frames and drops it when the
 * ping goes unanswered for 10 s, so a vanished client's server stream (and its stream slot)
 * ends; clients may ping every 10 s, also without calls in flight.
 */
export const GRPC_KEEPALIVE_OPTIONS = {
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.min_ping_interval_without_data_ms': 10_000,
} as const;

/** Nest's gRPC transport that remembers the port it bound, so port 0 (any free port) can be reported. */
export class PortReportingGrpcServer extends ServerGrpc {
  private boundPort: number | undefined;

  constructor(
    options: ConstructorParameters<typeof ServerGrpc>[0],
    /** Adds services of its own (reflection, health) to the grpc-js server before it starts. */
    private readonly prepare: (server: GrpcJsServer) => void = () => undefined,
  ) {
    super(options);
  }

  /** The bound port, once `app.startAllMicroservices()` has made it listen. */
  get port(): number {
    if (this.boundPort === undefined) throw new Error('The gRPC server is not listening yet');
    return this.boundPort;
  }

  // Nest's own createClient binds the same way but drops the port bindAsync reports.
  override async createClient(): Promise<GrpcJsServer> {
    const server = new GrpcJsServer(GRPC_KEEPALIVE_OPTIONS);
    this.boundPort = await new Promise<number>((resolve, reject) =>
      server.bindAsync(this.url, ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))),
    );
    this.prepare(server);
    return server;
  }
}

/** One context's gRPC API: its package, its .proto (relative to `protoDir()`) and its service's full name. */
export type GrpcApi = Readonly<{ package: string; protoFile: string; service: string }>;

type SharedServer = Readonly<{ server: PortReportingGrpcServer; packages: string[]; protoFiles: string[]; services: string[] }>;

const sharedServers = new WeakMap<INestApplication, SharedServer>();

/**
 * Serves `api` on the app's one gRPC server, made on the first call (with server reflection and
 * grpc.health.v1.Health over every API added) and extended by later calls before it listens: the
 * contexts composed into one process share a port. `inheritAppConfig` gives the handlers the
 * app's global guards, pipe and exception filter. Read the port once `app.startAllMicroservices()` ran.
 */
export function serveGrpcApi(app: INestApplication, api: GrpcApi, options: Readonly<{ port: number; host?: string }>): PortReportingGrpcServer {
  const existing = sharedServers.get(app);
  if (existing !== undefined) {
    // Nest reads package and protoPath when the server starts listening: arrays extended until then count.
    if (!existing.packages.includes(api.package)) {
      existing.packages.push(api.package);
      existing.protoFiles.push(api.protoFile);
      existing.services.push(api.service);
    }
    return existing.server;
  }
  const shared = { packages: [api.package], protoFiles: [api.protoFile], services: [api.service] };
  const server = new PortReportingGrpcServer(
    { package: shared.packages, protoPath: shared.protoFiles, url: `${options.host ?? '0.0.0.0'}:${options.port}`, loader: protoLoaderOptions() },
    (grpcServer) => addGrpcTooling(grpcServer, app, { protoFiles: shared.protoFiles, services: shared.services }),
  );
  app.connectMicroservice<MicroserviceOptions>({ strategy: server }, { inheritAppConfig: true });
  sharedServers.set(app, { server, ...shared });
  return server;
}
