import type { Clock } from '@ticketing/kernel';
import type { KafkaClient, RetryPolicy } from '@ticketing/messaging';
import type { TicketingConfig } from '@ticketing/platform';
import { composeContexts, type ComposedProcess, type ContextDefinition, type OffloadedConsumers } from '@ticketing/runtime';
import type { DestinationStream } from 'pino';
import { ConsumerThreadHooks } from './consumer-thread/consumer-thread.hooks';
import { ConsumerThread } from './consumer-thread/consumer.thread';
import { CONTEXTS } from './contexts';

export type BootOptions = Readonly<{
  config: TicketingConfig;
  clock?: Clock;
  logDestination?: DestinationStream;
  busRetry?: Partial<RetryPolicy>;
  /** With TICKETING_BUS=kafka://…: a kafkajs client instead of one for the configured brokers (tests). */
  kafka?: KafkaClient;
  /**
   * `serve`: consume the bus, run projections, relay and listen for HTTP and gRPC (`ticketing start`).
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

export type BootedTicketing = ComposedProcess;

/** Every context in one process (`ticketing start`) through the one composition path. */
export function bootTicketing(options: BootOptions): Promise<BootedTicketing> {
  const { config } = options;
  // Only where consumers read the log straight from the SQLite file can another thread share the work.
  const threaded = options.consumers === 'thread' && config.eventStore.kind === 'sqlite' && config.bus.kind === 'embedded';
  return composeContexts({
    name: 'all',
    contexts: CONTEXTS,
    config,
    clock: options.clock,
    logDestination: options.logDestination,
    busRetry: options.busRetry,
    kafka: options.kafka,
    mode: options.mode,
    offloadConsumers: threaded ? (contexts) => startConsumerThread(config, contexts) : undefined,
  });
}

async function startConsumerThread(config: TicketingConfig, contexts: readonly ContextDefinition[]): Promise<OffloadedConsumers> {
  const thread = await ConsumerThread.start(
    config,
    contexts.map((context) => context.name),
  );
  return { providers: [{ provide: ConsumerThread, useValue: thread }, ConsumerThreadHooks], stop: () => thread.stop() };
}
