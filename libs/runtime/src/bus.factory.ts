import { assertNever, type Clock } from '@ticketing/kernel';
import type { ContextName } from '@ticketing/contracts';
import type { EventStore } from '@ticketing/event-store';
import {
  EmbeddedBusServer,
  MemoryConsumerStateStore,
  SqliteConsumerStateStore,
  type ConsumerStateStore,
  type RetryPolicy,
} from '@ticketing/messaging';
import { CorrelationContext, type TicketingConfig } from '@ticketing/platform';
import type { RuntimeBus, RuntimeRelay } from './runtime-bus';

export type OpenBusOptions = Readonly<{
  config: TicketingConfig;
  eventStore: EventStore;
  clock: Clock;
  retry?: Partial<RetryPolicy>;
  /** Contexts whose streams this process relays to Kafka; ignored on the embedded bus. */
  relayContexts: readonly ContextName[];
}>;

/** A bus transport with what it needs to run: its consumer state and, on Kafka, the relay. */
export type OpenedBus = Readonly<{
  bus: RuntimeBus;
  /** Present only where a broker sits between the event store and the consumers. */
  relay?: RuntimeRelay;
  /** Releases what the bus holds (state store, producer); the transport must have been closed first. */
  close(): Promise<void>;
}>;

/** Picks the bus transport TICKETING_BUS names (DESIGN.md §5). */
export async function openBus(options: OpenBusOptions): Promise<OpenedBus> {
  const { config } = options;
  switch (config.bus.kind) {
    case 'embedded':
      return openEmbeddedBus(options);
    case 'kafka':
      // A plain Error, not a ConfigError: the value is valid, this build just cannot serve it.
      throw new Error(
        `TICKETING_BUS=kafka://${config.bus.brokers.join(',')} is not available in this build: ` +
          'the Kafka transport is not compiled in; use TICKETING_BUS=embedded',
      );
    default:
      return assertNever(config.bus);
  }
}

function openEmbeddedBus(options: OpenBusOptions): OpenedBus {
  const { config, eventStore, clock } = options;
  // Bus checkpoints live in the event store's own SQLite file (DESIGN.md §5).
  const state: ConsumerStateStore =
    config.eventStore.kind === 'sqlite'
      ? new SqliteConsumerStateStore(config.eventStore.file, { clock })
      : new MemoryConsumerStateStore();
  const bus = new EmbeddedBusServer({
    eventStore,
    state,
    clock,
    retry: options.retry,
    runInContext: (event, fn) => CorrelationContext.run(event.metadata.correlationId, fn),
  });
  return { bus, close: () => state.close() };
}
