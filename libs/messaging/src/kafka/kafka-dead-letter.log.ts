import type { LoggerService } from '@nestjs/common';
import { Partitioners, type Admin, type Consumer, type Message, type Producer } from 'kafkajs';
import { newId, type Clock } from '@ticketing/kernel';
import type { KafkaClient } from './kafka-client';
import type { LoggedMessage } from './kafka-dead-letter.codec';

export type { LoggedMessage } from './kafka-dead-letter.codec';

/**
 * The dead-letter topics as the bus uses them: append parked copies and markers, read everything
 * back for listing. A port so the listing and replay logic is testable without a broker.
 */
export interface DeadLetterLog {
  /** Resolves once the broker acknowledged the messages (acks=all). */
  append(topic: string, messages: readonly Message[]): Promise<void>;
  /** Every message of these topics from their start to their end as of the call; a missing topic reads as empty. */
  readAll(topics: readonly string[]): Promise<LoggedMessage[]>;
  close(): Promise<void>;
}

export type KafkaDeadLetterLogOptions = Readonly<{
  kafka: KafkaClient;
  /** Readers join throwaway groups named `<prefix>.dead-letter-reader.<uuid>`, deleted afterwards. */
  groupIdPrefix: string;
  clock: Clock;
  logger: LoggerService;
  /** Longest `readAll` waits to reach the end of the topics (default 60000), on `clock`. */
  readTimeoutMs?: number;
}>;

const partitionKey = (topic: string, partition: number) => `${topic}|${partition}`;

/**
 * DeadLetterLog on Kafka. Appends go through an idempotent producer with acks=all. Reading uses a
 * short-lived consumer in a fresh group from the beginning up to the high watermarks taken before
 * it starts (kafkajs has no group-less fetch), so a listing costs a group join: fine for the ops
 * CLI, not for a hot path.
 */
export class KafkaDeadLetterLog implements DeadLetterLog {
  private producer: Producer | undefined;
  private connecting: Promise<Producer> | undefined;

  constructor(private readonly options: KafkaDeadLetterLogOptions) {}

  async append(topic: string, messages: readonly Message[]): Promise<void> {
    const producer = await this.connectedProducer();
    try {
      await producer.send({ topic, messages: [...messages], acks: -1 });
    } catch (error) {
      // A fresh idempotent producer for the next try: the old one's sequence numbers may be off now.
      await this.close().catch(() => undefined);
      throw error;
    }
  }

  async readAll(topics: readonly string[]): Promise<LoggedMessage[]> {
    const admin = this.options.kafka.admin();
    await admin.connect();
    try {
      const ends = await this.endOffsets(admin, topics);
      if (ends.size === 0) return [];
      return await this.readUpTo(admin, [...new Set([...ends.keys()].map((key) => key.slice(0, key.lastIndexOf('|'))))], ends);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    this.connecting = undefined;
    await producer?.disconnect();
  }

  private connectedProducer(): Promise<Producer> {
    if (!this.connecting) {
      const producer = this.options.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
        // Bounded (kafkajs retries an idempotent producer forever by default): a failed append
        // fails the message's processing, which kafkajs retries, instead of hanging the partition silently.
        retry: { retries: 5 },
      });
      this.connecting = producer.connect().then(
        () => (this.producer = producer),
        (error: unknown) => {
          // Forget the failed attempt so the next append tries again.
          this.connecting = undefined;
          throw error;
        },
      );
    }
    return this.connecting;
  }

  /** Last offset to read per non-empty partition of the existing topics. */
  private async endOffsets(admin: Admin, topics: readonly string[]): Promise<Map<string, bigint>> {
    const existing = new Set(await admin.listTopics());
    const ends = new Map<string, bigint>();
    for (const topic of topics.filter((t) => existing.has(t))) {
      for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) {
        if (BigInt(high) > BigInt(low)) ends.set(partitionKey(topic, partition), BigInt(high) - 1n);
      }
    }
    return ends;
  }

  private async readUpTo(admin: Admin, topics: string[], ends: Map<string, bigint>): Promise<LoggedMessage[]> {
    const groupId = `${this.options.groupIdPrefix}.dead-letter-reader.${newId()}`;
    const consumer: Consumer = this.options.kafka.consumer({ groupId });
    const collected: LoggedMessage[] = [];
    const pending = new Set(ends.keys());
    const timeout = new AbortController();
    try {
      const done = new Promise<void>((resolve, reject) => {
        consumer.on(consumer.events.CRASH, ({ payload }) => reject(payload.error));
        this.options.clock
          .sleep(this.options.readTimeoutMs ?? 60_000, timeout.signal)
          .then(() => reject(new Error(`Reading dead-letter topics ${topics.join(', ')} timed out`)), () => undefined);
        void (async () => {
          await consumer.connect();
          await consumer.subscribe({ topics, fromBeginning: true });
          await consumer.run({
            autoCommit: false,
            eachMessage: async ({ topic, partition, message }) => {
              const key = partitionKey(topic, partition);
              const end = ends.get(key);
              const offset = BigInt(message.offset);
              if (end === undefined || offset > end) return;
              collected.push({ topic, partition, offset: message.offset, key: message.key, value: message.value, headers: message.headers });
              if (offset === end) pending.delete(key);
              if (pending.size === 0) resolve();
            },
          });
        })().catch(reject);
      });
      await done;
    } finally {
      timeout.abort();
      await consumer.disconnect().catch(() => undefined);
      await admin.deleteGroups([groupId]).catch(() => undefined);
    }
    return collected.sort(
      (a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)),
    );
  }
}
