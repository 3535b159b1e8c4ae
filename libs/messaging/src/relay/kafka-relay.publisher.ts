import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { inSpan, traceLinksOf } from '@ticketing/event-store';
import { Logger, type LoggerService } from '@nestjs/common';
import { Partitioners, type Producer, type RetryOptions } from 'kafkajs';
import type { KafkaClient } from '../kafka/kafka-client';
import type { RelayPublisher, RelayTopicMessages } from './relay.ports';

export type KafkaRelayPublisherOptions = Readonly<{
  kafka: KafkaClient;
  /**
   * kafkajs retries of one publish before it fails (default 5, about half a minute). kafkajs
   * retries an idempotent producer forever by default, which would leave the relay hanging
   * without a word while the brokers are down; the relay retries failed publishes itself.
   */
  retry?: RetryOptions;
  logger?: LoggerService;
}>;

/**
 * RelayPublisher on a kafkajs idempotent producer (acks=all, one request in flight, so retries
 * neither duplicate nor reorder within a partition; the Java-compatible partitioner, so a key
 * (ticket or entity id) lands on the same partition as with any other Kafka client).
 */
export class KafkaRelayPublisher implements RelayPublisher {
  private producer: Producer | undefined;
  private connecting: Promise<Producer> | undefined;
  private readonly logger: LoggerService;

  constructor(private readonly options: KafkaRelayPublisherOptions) {
    this.logger = options.logger ?? new Logger(KafkaRelayPublisher.name);
  }

  async publish(batch: readonly RelayTopicMessages[]): Promise<void> {
    // One PRODUCER span per batch, linked to the trace of each event it carries (at most 128).
    const links = traceLinksOf(batch.flatMap(({ messages }) => messages.map((message) => message.headers?.['traceparent'])));
    const attributes = { 'messaging.system': 'kafka', 'messaging.destination.name': batch.map(({ topic }) => topic).join(','), 'messaging.batch.message_count': batch.reduce((sum, { messages }) => sum + messages.length, 0) };
    await inSpan('relay publish', { kind: SpanKind.PRODUCER, links, attributes }, () => this.send(batch), ROOT_CONTEXT);
  }

  private async send(batch: readonly RelayTopicMessages[]): Promise<void> {
    const producer = await this.connected();
    try {
      await producer.sendBatch({
        acks: -1,
        topicMessages: batch.map(({ topic, messages }) => ({ topic, messages: [...messages] })),
      });
    } catch (error) {
      // A fresh producer (new producer id, sequence numbers from zero) for the retry: after a
      // failed send the old one's sequence state may no longer match the broker's.
      await this.reset();
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.reset();
  }

  private connected(): Promise<Producer> {
    if (!this.connecting) {
      const producer = this.options.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
        retry: this.options.retry ?? { retries: 5 },
      });
      this.connecting = producer.connect().then(
        () => (this.producer = producer),
        async (error: unknown) => {
          this.connecting = undefined;
          await producer.disconnect().catch(() => undefined);
          throw error;
        },
      );
    }
    return this.connecting;
  }

  private async reset(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    this.connecting = undefined;
    await producer?.disconnect().catch((error: unknown) => this.logger.warn(`Disconnecting the relay producer failed: ${String(error)}`));
  }
}
