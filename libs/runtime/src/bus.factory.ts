import type { Clock } from '@ticketing/kernel';
import { EVENT_TYPES_BY_CONTEXT, type ContextName } from '@ticketing/contracts';
import type { ProtectedEventStore } from '@ticketing/privacy';
import {
  createKafkaClient,
  EmbeddedBusServer,
  eventContextsOf,
  EventRelay,
  KafkaBusServer,
  KafkaRelayPublisher,
  KafkaTopicProvisioner,
  KafkaTopology,
  MemoryConsumerStateStore,
  SqliteConsumerStateStore,
  type ConsumerStateStore,
  type EventContexts,
  type KafkaClient,
  type RelayCheckpointStore,
  type RetryPolicy,
} from '@ticketing/messaging';
import type { ReadStore } from '@ticketing/read-store';
import { CorrelationContext, type TicketingConfig } from '@ticketing/platform';
import { ReadStoreRelayCheckpoints } from './relay/read-store-relay-checkpoints';
import { PostgresRelayLock, processLocalRelayLock, type RelayLock } from './relay/relay-lock';
import { ContextRelayRunner, type RelayProcess } from './relay/relay.runner';
import type { RuntimeBus, RuntimeRelay } from './runtime-bus';

/** The context (hence the Kafka topic) that publishes each event type a consumer may subscribe to. */
export const EVENT_CONTEXTS: EventContexts = eventContextsOf(EVENT_TYPES_BY_CONTEXT);

/**
 * Events one embedded consumer group handles at once. Each ticket's events still come strictly in
 * log order, while different tickets overlap, so their appends share the store's group commits
 * instead of queueing behind one another's fsync.
 */
export const EMBEDDED_GROUP_CONCURRENCY = 32;

/**
 * Partitions one Kafka consumer works on at once, each still strictly in order (a ticket's events
 * share a partition: the key is the ticket id). The context topics have 12 partitions
 * (deploy/kubernetes/base/kafka-topics.yaml): one replica can keep all of them moving while one
 * handler waits on the event store, as the embedded bus overlaps tickets.
 */
export const KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY = 12;

/**
 * How often a Kafka process reads its topics' high watermarks in the background, so a stuck or
 * stopped consumer group's lag still grows; scrapes never ask the broker.
 */
export const KAFKA_OFFSETS_REFRESH_MS = 10_000;

/** Kafka consumer groups are `ticketing.<bus group>`, e.g. `ticketing.routing`. */
export const KAFKA_GROUP_ID_PREFIX = 'ticketing';

export type OpenBusOptions = Readonly<{
  config: TicketingConfig;
  /**
   * Personal data opened: the embedded bus delivers from it; the relay publishes `stored` (sealed,
   * so Kafka never holds what an erasure must make unreadable) and Kafka consumers open it here.
   */
  eventStore: ProtectedEventStore;
  readStore: ReadStore;
  clock: Clock;
  retry?: Partial<RetryPolicy>;
  /** Contexts whose streams this process relays to Kafka; ignored on the embedded bus. */
  relayContexts: readonly ContextName[];
  /** Names the process to the brokers (client id `ticketing-<name>`). */
  name?: string;
  /** A kafkajs client to use instead of one built from TICKETING_BUS's brokers (tests: an in-memory double). */
  kafka?: KafkaClient;
}>;

/** A bus transport with what it needs to run: its consumer state and, on Kafka, the relay. */
export type OpenedBus = Readonly<{
  bus: RuntimeBus;
  /** Present only where a broker sits between the event store and the consumers, and the process relays something. */
  relay?: RuntimeRelay;
  /** On Kafka: creates or checks the bus topics (TICKETING_KAFKA_TOPICS) before consuming and relaying. */
  topics?: KafkaTopicProvisioner;
  /** Releases what the bus holds (state store); the transport and the relay must have been closed first. */
  close(): Promise<void>;
}>;

const runInContext = <T>(event: { metadata: { correlationId: string } }, fn: () => Promise<T>): Promise<T> =>
  CorrelationContext.run(event.metadata.correlationId, fn);

/** Picks the bus transport TICKETING_BUS names (docs/architecture.md §5). */
export function openBus(options: OpenBusOptions): OpenedBus {
  const { bus } = options.config;
  switch (bus.kind) {
    case 'embedded':
      return openEmbeddedBus(options);
    case 'kafka':
      return openKafkaBus(options, bus);
  }
}

function openEmbeddedBus(options: OpenBusOptions): OpenedBus {
  const { config, eventStore, clock } = options;
  // Bus checkpoints live in the event store's own SQLite file (docs/architecture.md §5).
  const state: ConsumerStateStore =
    config.eventStore.kind === 'sqlite'
      ? new SqliteConsumerStateStore(config.eventStore.file, { clock })
      : new MemoryConsumerStateStore();
  const bus = new EmbeddedBusServer({
    eventStore,
    state,
    clock,
    retry: options.retry,
    runInContext,
    maxConcurrency: EMBEDDED_GROUP_CONCURRENCY,
  });
  return { bus, close: () => state.close() };
}

function openKafkaBus(options: OpenBusOptions, kafkaBus: Extract<TicketingConfig['bus'], { kind: 'kafka' }>): OpenedBus {
  const { brokers } = kafkaBus;
  const { config, eventStore, readStore, clock } = options;
  const clientId = `ticketing-${options.name ?? 'all'}`;
  const kafka = options.kafka ?? createKafkaClient({ brokers, clientId, tls: kafkaBus.tls, sasl: kafkaBus.sasl });
  const { kafkaTopics } = config;
  // Consumers and the relay wait for the first look at the topics: a consumer or producer reaching
  // a missing topic first could make a broker auto-create it with its default partition count.
  const topics = new KafkaTopicProvisioner({
    kafka,
    topology: new KafkaTopology({ eventContexts: EVENT_CONTEXTS }),
    mode: kafkaTopics.mode,
    partitions: kafkaTopics.partitions,
    deadLetterPartitions: kafkaTopics.deadLetterPartitions,
    replicationFactor: kafkaTopics.replicationFactor,
    clock,
  });
  const bus = new KafkaBusServer({
    brokers,
    kafka,
    clientId,
    groupIdPrefix: KAFKA_GROUP_ID_PREFIX,
    eventContexts: EVENT_CONTEXTS,
    clock,
    retry: options.retry,
    runInContext,
    revealEvent: (event) => eventStore.protection.reveal(event),
    partitionsConsumedConcurrently: KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY,
    offsetsRefreshMs: KAFKA_OFFSETS_REFRESH_MS,
    beforeConsuming: () => topics.whenLooked(),
  });
  if (options.relayContexts.length === 0) return { bus, topics, close: async () => topics.close() };

  // The relay checkpoint lives beside the events when they are in a SQLite file, else in the read
  // store (PostgreSQL): a pod's disk is not durable, and a lost checkpoint republishes everything.
  const sqliteState = config.eventStore.kind === 'sqlite' ? new SqliteConsumerStateStore(config.eventStore.file, { clock }) : undefined;
  const checkpoints: RelayCheckpointStore = sqliteState ?? new ReadStoreRelayCheckpoints(readStore, clock);
  // Replicas elect one relay per context through the read store's PostgreSQL; a SQLite setup is one process.
  const lock: RelayLock =
    config.readStore.kind === 'postgres'
      ? new PostgresRelayLock({ connectionString: config.readStore.connectionString, clock, applicationName: `${clientId}-relay-lock` })
      : processLocalRelayLock;
  const runners = options.relayContexts.map(
    (context) =>
      new ContextRelayRunner({
        context,
        lock,
        clock,
        createRelay: (): RelayProcess => {
          // A producer per term as leader: a new leader never inherits a fenced or half-failed one.
          const publisher = new KafkaRelayPublisher({ kafka });
          const relay = new EventRelay({ eventStore: eventStore.stored, publisher, checkpoints, contexts: [context], clock });
          return {
            start: () => relay.start(),
            stop: async () => {
              await relay.stop();
              await publisher.close();
            },
            get state() {
              return relay.state;
            },
            status: () => relay.status(),
          };
        },
      }),
  );
  let closed = false;
  const relay: RuntimeRelay = {
    // In the background: a broker that is down must not hold the boot (the event store is the outbox).
    start: async () => {
      void topics.whenLooked().then(() => {
        if (!closed) runners.forEach((runner) => runner.start());
      });
    },
    status: () => Promise.all(runners.map((runner) => runner.status())),
    close: async () => {
      closed = true;
      await Promise.all(runners.map((runner) => runner.close()));
    },
  };
  return {
    bus,
    relay,
    topics,
    close: async () => {
      topics.close();
      await sqliteState?.close();
    },
  };
}
