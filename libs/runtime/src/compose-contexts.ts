import { Logger, Module, type DynamicModule, type Provider, type Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Clock } from '@ticketing/kernel';
import { connectBusMicroservice, type KafkaClient, type RetryPolicy } from '@ticketing/messaging';
import { OpsStreamModule } from '@ticketing/ops-stream';
import { BackgroundTasks, connectGrpc, createHttpApp, startTracing, type TicketingConfig } from '@ticketing/platform';
import type { DestinationStream } from 'pino';
import { assertComposable, projectionsRunBy, type ContextDefinition } from './context.definition';
import { RuntimeModule } from './runtime.module';
import { TicketingRuntime } from './ticketing.runtime';

/** The bus-only contexts running elsewhere (a worker thread): providers that report on them, and how to stop them. */
export type OffloadedConsumers = Readonly<{ providers: readonly Provider[]; stop(): Promise<void> }>;

export type ComposeOptions = Readonly<{
  /** Names the process in logs and to Kafka (client id `ticketing-<name>`): a service name, or `all`. */
  name: string;
  contexts: readonly ContextDefinition[];
  config: TicketingConfig;
  clock?: Clock;
  logDestination?: DestinationStream;
  busRetry?: Partial<RetryPolicy>;
  /** With TICKETING_BUS=kafka://…: a kafkajs client instead of one for the configured brokers (tests). */
  kafka?: KafkaClient;
  /**
   * `serve`: run the projections, the relay, the bus consumers and the background tasks, and listen
   * for HTTP and the contexts' other transports. `consume`: the bus consumers and projections only
   * (the consumer thread). `operate`: the module graph with nothing running (CLI commands).
   */
  mode: 'serve' | 'consume' | 'operate';
  /**
   * In `serve` mode, starts the `bus`-only contexts somewhere else (the consumer thread of
   * `ticketing start`) instead of in this process; they still count as composed here (relayed).
   */
  offloadConsumers?: (contexts: readonly ContextDefinition[]) => Promise<OffloadedConsumers>;
}>;

export type ComposedProcess = Readonly<{
  app: NestFastifyApplication;
  runtime: TicketingRuntime;
  /** Ports of the transports besides HTTP (e.g. `grpc`), as bound (`serve` only). */
  ports: Readonly<Record<string, number>>;
}>;

@Module({})
class ComposedRootModule {}

/**
 * The one composition path of every process: the platform (config, auth, health, metrics), the
 * contexts' modules over one runtime, their projections, the relay of their streams (Kafka), their
 * bus consumers and transports. `ticketing start`, each deployable, the consumer thread and the CLI
 * all boot through it. Closing `app` stops all of it and closes the stores.
 */
export async function composeContexts(options: ComposeOptions): Promise<ComposedProcess> {
  const { contexts, config, clock, mode, name } = options;
  assertComposable(contexts);
  // Before the logger exists: its lines name the service and the trace.
  startTracing({ serviceName: config.tracing.serviceName ?? (name === 'all' ? 'ticketing' : `ticketing-${name}`), otlpEndpoint: config.tracing.otlpEndpoint });
  const offloadable = (context: ContextDefinition) => context.serves === 'bus' || context.consumers !== undefined || context.eventualProjections.length > 0;
  const offloading = mode === 'serve' && options.offloadConsumers !== undefined && contexts.some(offloadable);
  const inProcess = offloading ? contexts.filter((context) => context.serves === 'api') : contexts;
  const runtime = await TicketingRuntime.open({
    config,
    // Each projection runs in one place (one runner per checkpoint): what the API reads after its writes beside it, the rest on the consumer thread.
    projections: inProcess.flatMap((context) => projectionsRunBy(context, mode === 'consume' ? 'consumer-thread' : offloading ? 'beside-consumer-thread' : 'all')),
    // The consumer thread writes through the same store; this process relays everything composed.
    relayContexts: mode === 'consume' ? [] : contexts.map((context) => context.name),
    name,
    clock,
    busRetry: options.busRetry,
    kafka: options.kafka,
  });
  let app: NestFastifyApplication | undefined;
  let offloaded: OffloadedConsumers | undefined;
  try {
    offloaded = offloading ? await options.offloadConsumers!(contexts.filter(offloadable)) : undefined;
    // Every process serving an API serves the ops event stream of all contexts, whichever it composes.
    const apiModules = mode === 'consume' ? [] : inProcess.filter((context) => context.serves === 'api').map((context) => context.module);
    const root: DynamicModule = {
      module: ComposedRootModule,
      imports: [
        RuntimeModule.forRuntime(runtime, { auxiliaryConsumerGroups: contexts.flatMap((context) => context.auxiliaryConsumerGroups) }),
        ...inProcess.flatMap((context) => modulesOf(context, mode === 'consume' ? 'consumers' : offloading ? 'api' : 'all')),
        ...(apiModules.length > 0 ? [OpsStreamModule.forContexts(apiModules)] : []),
      ],
      providers: [...(offloaded?.providers ?? [])],
    };
    app = await createHttpApp(root, config, { clock, logDestination: options.logDestination });
    const logger = new Logger(name);
    if (contexts.length === 0) {
      logger.warn(`No ${name} context module exists in this build yet: serving /health/live, /health/ready and /metrics only, with no routes, consumers, projections or relay`);
    }
    connectBusMicroservice(app, runtime.bus);
    if (mode === 'operate') return { app, runtime, ports: {} };
    if (mode === 'consume') {
      await runtime.startProjections();
      await app.startAllMicroservices();
      return { app, runtime, ports: {} };
    }
    const transports = inProcess.flatMap((context) => context.transports).map((connect) => connect(app!, config));
    const grpcSurfaces = inProcess.flatMap((context) => (context.grpc ? [context.grpc] : []));
    if (grpcSurfaces.length > 0) {
      const grpc = connectGrpc(app, grpcSurfaces, { port: config.grpcPort, connectionAge: config.grpcConnectionAge });
      transports.push({ name: 'grpc', port: () => grpc.port });
    }
    await runtime.startProjections();
    await runtime.relay?.start();
    await app.startAllMicroservices();
    app.get(BackgroundTasks).start();
    await app.listen({ port: config.httpPort, host: '0.0.0.0' });
    const ports = Object.fromEntries(transports.map((transport) => [transport.name, transport.port()]));
    logger.log(
      `${name} serving on ${await app.getUrl()}` +
        Object.entries(ports)
          .map(([transport, port]) => `, ${transport} on ${port}`)
          .join('') +
        `: contexts [${contexts.map((context) => context.name + (offloaded && offloadable(context) ? (context.serves === 'bus' ? ' (consumer thread)' : ' (consumers on the consumer thread)') : '')).join(', ')}]` +
        `, bus ${config.bus.kind}` +
        (runtime.relay ? `, relaying [${contexts.map((context) => context.name).join(', ')}]` : ''),
    );
    return { app, runtime, ports };
  } catch (error) {
    if (app) await app.close();
    else {
      await offloaded?.stop();
      await runtime.close();
    }
    throw error;
  }
}

/**
 * The modules of a context a process imports: `consumers` on the consumer thread (a bus context's
 * module is its consumers), `api` beside a consumer thread, `all` everywhere else.
 */
function modulesOf(context: ContextDefinition, part: 'consumers' | 'api' | 'all'): Type<unknown>[] {
  if (context.serves === 'bus') return part === 'api' ? [] : [context.module];
  if (part === 'consumers') return context.consumers ? [context.consumers] : [];
  if (part === 'api') return [context.module];
  return [context.module, ...(context.consumers ? [context.consumers] : [])];
}
