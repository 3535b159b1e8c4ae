import { Server as GrpcJsServer, ServerCredentials } from '@grpc/grpc-js';
import type { Registry } from 'prom-client';
import type { INestApplication } from '@nestjs/common';
import { ServerGrpc, type MicroserviceOptions } from '@nestjs/microservices';
import { protoLoaderOptions } from '@ticketing/contracts';
import { PlatformMetrics } from '../metrics/platform.metrics';
import { addGrpcTooling } from './grpc-tooling';
import { grpcServerMetrics, observeGrpcCalls } from './grpc-server.observability';

/** A context's gRPC surface: its proto package, file (under libs/contracts/proto) and fully-qualified services. */
export type GrpcSurface = Readonly<{ package: string; protoFile: string; services: readonly string[] }>;

/**
 * HTTP/2 keepalive: the server pings a connection after 30 s without frames and drops it when the
 * ping goes unanswered for 10 s, so a vanished client's WatchTicket stream (and its stream slot)
 * ends; clients may ping every 10 s, also without calls in flight.
 */
export const GRPC_KEEPALIVE_OPTIONS = {
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.min_ping_interval_without_data_ms': 10_000,
} as const;

/**
 * How long a client's HTTP/2 connection lives (TICKETING_GRPC_MAX_CONNECTION_AGE_MS, 0 = forever)
 * and how long its calls in flight may still run after the server's GOAWAY (…_GRACE_MS). Behind a
 * ClusterIP Service a connection stays with the pod it reached; an age makes clients reconnect,
 * and so spread over replicas the autoscaler added.
 */
export type GrpcConnectionAge = Readonly<{ maxAgeMs: number; graceMs: number }>;

/** grpc-js server options for a connection age; none when it is 0 (unlimited). */
export function grpcConnectionAgeOptions(age: GrpcConnectionAge | undefined): Record<string, number> {
  if (age === undefined || age.maxAgeMs === 0) return {};
  return { 'grpc.max_connection_age_ms': age.maxAgeMs, 'grpc.max_connection_age_grace_ms': age.graceMs };
}

/** Nest's gRPC transport that remembers the port it bound, so port 0 (any free port) can be reported. */
export class PortReportingGrpcServer extends ServerGrpc {
  private boundPort: number | undefined;

  constructor(
    options: ConstructorParameters<typeof ServerGrpc>[0],
    /** Adds services of its own (reflection, health) to the grpc-js server before it starts. */
    private readonly prepare: (server: GrpcJsServer) => void = () => undefined,
    private readonly connectionAge?: GrpcConnectionAge,
    /** Where calls are counted and timed (`grpc_server_*` metrics); none when absent. */
    private readonly metricsRegistry?: Registry,
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
    const server = new GrpcJsServer({ ...GRPC_KEEPALIVE_OPTIONS, ...grpcConnectionAgeOptions(this.connectionAge) });
    observeGrpcCalls(server, this.metricsRegistry ? grpcServerMetrics(this.metricsRegistry) : () => undefined);
    this.boundPort = await new Promise<number>((resolve, reject) =>
      server.bindAsync(this.url, ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))),
    );
    this.prepare(server);
    return server;
  }
}

/** The app's metrics registry, when it has the platform's metrics (every composed service does). */
function metricsRegistryOf(app: INestApplication): Registry | undefined {
  try {
    return app.get(PlatformMetrics, { strict: false }).registry;
  } catch {
    return undefined;
  }
}

/**
 * Serves every composed context's gRPC services from `app` on ONE port, with server reflection and
 * grpc.health.v1.Health (the app's readiness) covering all of them. `inheritAppConfig` gives the
 * gRPC handlers the app's global guards (authentication, roles), pipe and exception filter (→ gRPC
 * status and details). It listens once `app.startAllMicroservices()` runs; read the port then.
 */
export function connectGrpc(
  app: INestApplication,
  surfaces: readonly GrpcSurface[],
  options: Readonly<{ port: number; host?: string; connectionAge?: GrpcConnectionAge }>,
): PortReportingGrpcServer {
  const protoFiles = surfaces.map((surface) => surface.protoFile);
  const server = new PortReportingGrpcServer(
    {
      package: surfaces.map((surface) => surface.package),
      protoPath: protoFiles,
      url: `${options.host ?? '0.0.0.0'}:${options.port}`,
      loader: protoLoaderOptions(),
    },
    (grpcServer) => addGrpcTooling(grpcServer, app, { protoFiles, services: surfaces.flatMap((surface) => surface.services) }),
    options.connectionAge,
    metricsRegistryOf(app),
  );
  app.connectMicroservice<MicroserviceOptions>({ strategy: server }, { inheritAppConfig: true });
  return server;
}
