import type { Server, ServerUnaryCall, ServerWritableStream, UntypedServiceImplementation } from '@grpc/grpc-js';
import type { Clock } from '@ticketing/kernel';
import { HealthImplementation, type ServingStatus } from 'grpc-health-check';
import type { BackgroundTask } from '../background/background-tasks';
import type { ReadinessRegistry } from '../health/readiness.registry';

/** How often readiness is re-evaluated for Health.Watch streams; Check and List evaluate it on each call. */
export const GRPC_HEALTH_POLL_MS = 5_000;

type AnyCall = ServerUnaryCall<unknown, unknown> | ServerWritableStream<unknown, unknown>;
type Handler = (call: AnyCall, ...rest: unknown[]) => void;

/**
 * grpc.health.v1.Health answering what /health/ready answers: SERVING while every readiness check
 * passes, NOT_SERVING otherwise, for the server as a whole ("") and for each of `services`.
 * grpc-health-check keeps the statuses and the Watch streams; this feeds it the readiness verdict.
 */
export class GrpcHealth {
  private readonly health = new HealthImplementation();
  private current: ServingStatus | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly readiness: ReadinessRegistry,
    private readonly services: readonly string[],
  ) {}

  addToServer(server: Pick<Server, 'addService'>): void {
    this.health.addToServer({
      addService: (definition, implementation: UntypedServiceImplementation) => {
        // Each method answers from a fresh verdict, as /health/ready does per request.
        const refreshed = Object.fromEntries(
          Object.entries(implementation).map(([name, handler]) => [
            name,
            (call: AnyCall, ...rest: unknown[]) => {
              void this.refresh().then(() => {
                if (!call.cancelled) (handler as Handler)(call, ...rest);
              });
            },
          ]),
        );
        server.addService(definition, refreshed);
      },
    });
  }

  /** Re-evaluates readiness (concurrent callers share one evaluation); Watch streams hear only changes. */
  refresh(): Promise<void> {
    this.refreshing ??= this.evaluate().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /** Re-evaluates readiness every `intervalMs` of `clock`'s time, so Watch streams follow it. */
  pollTask(clock: Clock, intervalMs: number = GRPC_HEALTH_POLL_MS): BackgroundTask {
    return {
      name: 'grpc-health',
      run: async (signal) => {
        while (!signal.aborted) {
          await this.refresh();
          await clock.sleep(intervalMs, signal);
        }
      },
    };
  }

  private async evaluate(): Promise<void> {
    const status: ServingStatus = (await this.readiness.isReady()) ? 'SERVING' : 'NOT_SERVING';
    if (status === this.current) return;
    this.current = status;
    for (const service of ['', ...this.services]) this.health.setStatus(service, status);
  }
}
