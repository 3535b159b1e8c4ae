// Test support (not exported from the lib, not built): the Kafka transport as a service runs it —
// an event store, the relay publishing its `intake` streams to Kafka, and a Nest microservice on
// KafkaBusServer with the BusTestModule handlers — behind the bus contract's harness interface.
import type { INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { topicOf as contractTopicOf, type ContextName } from '@ticketing/contracts';
import type { Clock } from '@ticketing/kernel';
import { MemoryEventStore } from '@ticketing/event-store';
import { BusExceptionFilter } from '../../bus-exception.filter';
import { CONTRACT_RETRY, type BusContractHarness } from '../../bus.contract';
import { appendOne, BusTestModule, Probe } from '../../embedded/embedded-bus.fixtures';
import { MemoryConsumerStateStore } from '../../memory-consumer-state-store.adapter';
import { EventRelay } from '../../relay/event.relay';
import { KafkaRelayPublisher } from '../../relay/kafka-relay.publisher';
import type { KafkaClient } from '../kafka-client';
import { KafkaBusServer, type KafkaBusOptions } from '../kafka-bus.server';
import { ensureBusTopics, KafkaTopology, type EventContexts, type TopicSettings } from '../kafka-topology';

/** Contexts of the BusTestModule's event types. */
export const BUS_TEST_EVENT_CONTEXTS: EventContexts = { TicketOpened: 'intake', TicketClosed: 'intake', AgentJoined: 'routing' };

export type KafkaHarnessOptions = Readonly<{
  kafka: KafkaClient;
  clock: Clock;
  /** Prefix of every topic and consumer group: isolates runs sharing one broker. */
  namespace: string;
  eventually: BusContractHarness['eventually'];
  quiesce: BusContractHarness['quiesce'];
  ensureTopics?: TopicSettings;
  server?: Partial<KafkaBusOptions>;
}>;

export type KafkaHarness = BusContractHarness & {
  readonly store: MemoryEventStore;
  readonly relay: EventRelay;
  readonly topicOf: (context: ContextName) => string;
  readonly groupIdPrefix: string;
  server(): KafkaBusServer;
};

export async function kafkaBusHarness(options: KafkaHarnessOptions): Promise<KafkaHarness> {
  const { kafka, clock, namespace } = options;
  const topicOf = (context: ContextName) => `${namespace}.${contractTopicOf(context)}`;
  const groupIdPrefix = `${namespace}.bus`;
  const store = new MemoryEventStore({ clock });
  const checkpoints = new MemoryConsumerStateStore();
  const publisher = new KafkaRelayPublisher({ kafka });
  const relay = new EventRelay({ eventStore: store, publisher, checkpoints, contexts: ['intake'], clock, topicOf });
  const probe = new Probe();
  let app: INestMicroservice | undefined;
  let current: KafkaBusServer | undefined;

  const newServer = () =>
    new KafkaBusServer({
      brokers: [],
      kafka,
      groupIdPrefix,
      eventContexts: BUS_TEST_EVENT_CONTEXTS,
      topicOf,
      clock,
      retry: CONTRACT_RETRY,
      ensureTopics: options.ensureTopics,
      ...options.server,
    });

  if (options.ensureTopics) {
    // Before the relay's first publish, which would otherwise auto-create them with the broker's default partitions.
    await ensureBusTopics(kafka, new KafkaTopology({ topicOf }), options.ensureTopics);
  }
  relay.start();
  return {
    probe,
    store,
    relay,
    topicOf,
    groupIdPrefix,
    server() {
      current ??= newServer();
      return current;
    },
    async start() {
      current = newServer();
      app = await NestFactory.createMicroservice(BusTestModule.with(probe), { strategy: current, logger: false });
      app.useGlobalFilters(new BusExceptionFilter());
      await app.listen();
    },
    async stop() {
      await app?.close();
      app = undefined;
    },
    append: (stream, type) => appendOne(store, stream, type),
    deadLetters: () => (current ??= newServer()).listDeadLetters(),
    eventually: options.eventually,
    quiesce: options.quiesce,
    async dispose() {
      await app?.close();
      await relay.stop();
      await publisher.close();
      await store.close();
    },
  };
}
