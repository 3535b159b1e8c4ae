import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { connectIntakeGrpc } from '@ticketing/intake-feature';
import type { Clock } from '@ticketing/kernel';
import { connectBusMicroservice, type RetryPolicy } from '@ticketing/messaging';
import { BackgroundTasks, createHttpApp, type TicketingConfig } from '@ticketing/platform';
import { TicketingRuntime } from '@ticketing/runtime';
import type { DestinationStream } from 'pino';
import { ConsumerThreadHooks } from './consumer-thread/consumer-thread.hooks';
import { ConsumerThread } from './consumer-thread/consumer.thread';
import { API_CONTEXT_MODULES, CONTEXT_PROJECTIONS } from './contexts';
import { TicketingAppModule } from './ticketing-app.module';

export type BootOptions = Readonly<{
  config: TicketingConfig;
  clock?: Clock;
  logDestination?: DestinationStream;
  busRetry?: Partial<RetryPolicy>;
  /**
   * `serve`: consume the bus, run projections and listen for HTTP and gRPC (`ticketing start`).
   * `operate`: the same module graph with nothing consuming or listening, for CLI commands.
   */
  mode: 'serve' | 'operate';
  /**
   * `thread`: in `serve` mode on a SQLite event store and the embedded bus, the bus-only contexts run
   * on a worker thread of their own (compiled code: `ticketing start`). Default `in-process`: one
   * thread, what in-process tests with an injected Clock need.
   */
  consumers?: 'in-process' | 'thread';
}>;

export type BootedTicketing = Readonly<{
  app: NestFastifyApplication;
  runtime: TicketingRuntime;
  /** The port gRPC listens on (`serve` only; the bound one when TICKETING_GRPC_PORT is 0). */
  grpcPort?: number;
}>;

/** Composes every context on the configured runtime; closing `app` closes the bus and the stores. */
export async function bootTicketing(options: BootOptions): Promise<BootedTicketing> {
  const { config, clock, mode } = options;
  const threaded = mode === 'serve' && options.consumers === 'thread' && config.eventStore.kind === 'sqlite' && config.bus.kind === 'embedded';
  const runtime = await TicketingRuntime.open({ config, projections: CONTEXT_PROJECTIONS, clock, busRetry: options.busRetry });
  let app: NestFastifyApplication | undefined;
  let thread: ConsumerThread | undefined;
  try {
    thread = threaded ? await ConsumerThread.start(config) : undefined;
    const module = thread
      ? TicketingAppModule.forRuntime(runtime, API_CONTEXT_MODULES, [{ provide: ConsumerThread, useValue: thread }, ConsumerThreadHooks])
      : TicketingAppModule.forRuntime(runtime);
    app = await createHttpApp(module, config, {
      clock,
      logDestination: options.logDestination,
    });
    connectBusMicroservice(app, runtime.bus);
    if (mode === 'operate') return { app, runtime };
    const grpc = connectIntakeGrpc(app, { port: config.grpcPort });
    await runtime.projections.start();
    await app.startAllMicroservices();
    new Logger('ticketing').log(`gRPC on ${grpc.port}`);
    app.get(BackgroundTasks).start();
    await app.listen({ port: config.httpPort, host: '0.0.0.0' });
    return { app, runtime, grpcPort: grpc.port };
  } catch (error) {
    if (app) await app.close();
    else {
      await thread?.stop();
      await runtime.close();
    }
    throw error;
  }
}
