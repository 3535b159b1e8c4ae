import { Logger, Module, type DynamicModule } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Clock } from '@ticketing/kernel';
import { connectBusMicroservice, type KafkaClient, type RetryPolicy } from '@ticketing/messaging';
import { assertConfigOrExit, BackgroundTasks, createHttpApp, type TicketingConfig } from '@ticketing/platform';
import type { DestinationStream } from 'pino';
import { RuntimeModule } from './runtime.module';
import type { ServiceDefinition } from './service.definition';
import { TicketingRuntime } from './ticketing.runtime';

export type BootServiceOptions = Readonly<{
  service: ServiceDefinition;
  config: TicketingConfig;
  clock?: Clock;
  logDestination?: DestinationStream;
  busRetry?: Partial<RetryPolicy>;
  /** With TICKETING_BUS=kafka://…: a kafkajs client instead of one for the configured brokers (tests). */
  kafka?: KafkaClient;
  /**
   * `serve` (default): run the projections, the relay, the bus consumers and the background tasks,
   * and listen for HTTP and the service's other transports.
   * `operate`: the same module graph with nothing consuming, relaying, scheduling or listening.
   */
  mode?: 'serve' | 'operate';
}>;

export type BootedService = Readonly<{
  app: NestFastifyApplication;
  runtime: TicketingRuntime;
  /** Ports of the transports besides HTTP (e.g. `grpc`), as bound (`serve` only). */
  ports: Readonly<Record<string, number>>;
}>;

@Module({})
class ServiceRootModule {}

/**
 * Boots one deployable on the configured runtime: the platform (config, auth, health, metrics),
 * the service's own module, its projections, its relay (Kafka only) and its bus consumers.
 * Closing `app` stops all of them and closes the stores.
 */
export async function bootService(options: BootServiceOptions): Promise<BootedService> {
  const { service, config, clock } = options;
  const runtime = await TicketingRuntime.open({
    config,
    projections: service.projections,
    relayContexts: service.relayContexts,
    name: service.name,
    clock,
    busRetry: options.busRetry,
    kafka: options.kafka,
  });
  const root: DynamicModule = { module: ServiceRootModule, imports: [RuntimeModule.forRuntime(runtime), ...service.modules] };
  let app: NestFastifyApplication | undefined;
  try {
    app = await createHttpApp(root, config, { clock, logDestination: options.logDestination });
    const logger = new Logger(service.name);
    if (service.modules.length === 0) {
      logger.warn(
        `No ${service.name} context module exists in this build yet: serving /health/live, /health/ready and /metrics only, ` +
          'with no routes, consumers, projections or relay',
      );
    }
    connectBusMicroservice(app, runtime.bus);
    if ((options.mode ?? 'serve') === 'operate') return { app, runtime, ports: {} };
    const transports = (service.transports ?? []).map((connect) => connect(app!, config));
    await runtime.projections.start();
    await runtime.relay?.start();
    await app.startAllMicroservices();
    app.get(BackgroundTasks).start();
    await app.listen({ port: config.httpPort, host: '0.0.0.0' });
    const ports = Object.fromEntries(transports.map((transport) => [transport.name, transport.port()]));
    logger.log(
      `${service.name} serving on ${await app.getUrl()}` +
        Object.entries(ports)
          .map(([name, port]) => `, ${name} on ${port}`)
          .join('') +
        `: modules [${service.modules.map((module) => module.name).join(', ')}], bus ${config.bus.kind}` +
        (runtime.relay ? `, relaying [${service.relayContexts.join(', ')}]` : ''),
    );
    return { app, runtime, ports };
  } catch (error) {
    if (app) await app.close();
    else await runtime.close();
    throw error;
  }
}

/**
 * The `main` of a deployable: validate the environment (exit 1 with every bad variable), boot,
 * and exit 1 with the reason when the service cannot start. SIGTERM/SIGINT close it gracefully.
 */
export async function runService(service: ServiceDefinition): Promise<void> {
  const config = assertConfigOrExit();
  try {
    await bootService({ service, config });
  } catch (error) {
    process.stderr.write(`${service.name}: cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
