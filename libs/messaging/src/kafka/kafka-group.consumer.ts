import type { LoggerService } from '@nestjs/common';
import type { Consumer, ConsumerConfig, EachMessagePayload } from 'kafkajs';
import type { Clock } from '@ticketing/kernel';
import type { KafkaClient } from './kafka-client';

/** `recovering`: crashed (or could not start) and restarting; not consuming meanwhile. */
export type KafkaGroupState = 'starting' | 'running' | 'recovering' | 'stopped';

export type KafkaGroupConsumerDeps = Readonly<{
  kafka: KafkaClient;
  /** Bus group name (`@EventPattern(type, { group })`). */
  group: string;
  /** Kafka consumer group id. */
  groupId: string;
  topics: readonly string[];
  /** Extra kafkajs consumer settings (session timeout…); `groupId` is always ours. */
  consumerConfig?: Partial<Omit<ConsumerConfig, 'groupId'>>;
  partitionsConsumedConcurrently: number;
  /** Handle one message; `commitOffsets` is the fetching consumer's. */
  process: (payload: EachMessagePayload, commitOffsets: Consumer['commitOffsets']) => Promise<unknown>;
  clock: Clock;
  logger: LoggerService;
  /** First wait before restarting a consumer kafkajs gave up on; doubles per failure up to `maxRestartDelayMs`. */
  restartDelayMs: number;
  maxRestartDelayMs: number;
  /** The bus's close signal: stops the loop and ends pending backoffs. */
  signal: AbortSignal;
  onError: (error: unknown) => void;
  onStateChange: () => void;
}>;

const STOPPED = Symbol('stopped');

/** Where a group stands, from what its consumer saw: `head` = high watermarks of the fetched batches, `checkpoint` = offsets it committed. */
export type KafkaGroupProgress = Readonly<{ checkpoint: number; head: number; lag: number }>;

type PartitionProgress = { committed: number; highWatermark: number };

/**
 * One kafkajs consumer for one bus group, kept alive: kafkajs restarts a consumer itself after a
 * retriable crash (`restart: true`); after any other crash, or when it cannot start at all, this
 * loop creates a new consumer after a backoff. Never silent: every crash is logged and reported,
 * and the group counts as not running (readiness fails) until it has joined its group again.
 */
export class KafkaGroupConsumer {
  private loop: Promise<void> | undefined;
  private current: KafkaGroupState = 'starting';
  private readonly stopped: Promise<typeof STOPPED>;
  /** `topic|partition` → what this member knows of it; kept across consumer restarts, pruned on every join. */
  private readonly partitions = new Map<string, PartitionProgress>();

  constructor(private readonly deps: KafkaGroupConsumerDeps) {
    this.stopped = new Promise((resolve) => {
      if (deps.signal.aborted) resolve(STOPPED);
      else deps.signal.addEventListener('abort', () => resolve(STOPPED), { once: true });
    });
  }

  get state(): KafkaGroupState {
    return this.current;
  }

  get isRunning(): boolean {
    return this.current === 'running';
  }

  start(): void {
    this.loop ??= this.run();
  }

  /**
   * Lag of the partitions this member was assigned, without asking the broker: it answers in no
   * time with the broker down (when the numbers stop moving, `state` says why).
   */
  progress(): KafkaGroupProgress {
    let checkpoint = 0;
    let head = 0;
    let lag = 0;
    for (const { committed, highWatermark } of this.partitions.values()) {
      checkpoint += committed;
      head += highWatermark;
      lag += Math.max(0, highWatermark - committed);
    }
    return { checkpoint, head, lag };
  }

  /** Partitions this member knows of, by topic: the ones whose high watermark a background refresh may raise. */
  knownPartitions(): ReadonlyMap<string, readonly number[]> {
    const byTopic = new Map<string, number[]>();
    for (const key of this.partitions.keys()) {
      const at = key.lastIndexOf('|');
      const topic = key.slice(0, at);
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), Number(key.slice(at + 1))]);
    }
    return byTopic;
  }

  /** A high watermark read from the broker in the background (a stuck or stopped consumer fetches none). */
  raiseHighWatermark(topic: string, partition: number, highWatermark: number): void {
    const known = this.partitions.get(`${topic}|${partition}`);
    if (known) known.highWatermark = Math.max(known.highWatermark, highWatermark);
  }

  private sawBatch(topic: string, partition: number, firstOffset: string, highWatermark: string): void {
    const key = `${topic}|${partition}`;
    const known = this.partitions.get(key);
    // Before its first commit the group stands where the batch starts.
    if (known) known.highWatermark = Math.max(known.highWatermark, Number(highWatermark));
    else this.partitions.set(key, { committed: Number(firstOffset), highWatermark: Number(highWatermark) });
  }

  private committed(offsets: readonly { topic: string; partition: number; offset: string }[]): void {
    for (const { topic, partition, offset } of offsets) {
      const key = `${topic}|${partition}`;
      const known = this.partitions.get(key);
      if (known) known.committed = Math.max(known.committed, Number(offset));
      else this.partitions.set(key, { committed: Number(offset), highWatermark: Number(offset) });
    }
  }

  /** After a rebalance, partitions now read by another member are that member's to report. */
  private assigned(memberAssignment: Readonly<Record<string, readonly number[]>> | undefined): void {
    if (!memberAssignment) return;
    const mine = new Set(Object.entries(memberAssignment).flatMap(([topic, partitions]) => partitions.map((partition) => `${topic}|${partition}`)));
    for (const key of [...this.partitions.keys()]) if (!mine.has(key)) this.partitions.delete(key);
  }

  /** Resolves once the consumer has disconnected (kafkajs lets an in-flight `eachMessage` finish first). Abort the signal first. */
  async whenStopped(): Promise<void> {
    await this.loop;
  }

  private setState(state: KafkaGroupState): void {
    if (this.current === state) return;
    this.current = state;
    this.deps.onStateChange();
  }

  private async run(): Promise<void> {
    const { signal, logger, group } = this.deps;
    let failures = 0;
    while (!signal.aborted) {
      const consumer = this.deps.kafka.consumer({ ...this.deps.consumerConfig, groupId: this.deps.groupId });
      let failure: unknown = STOPPED;
      try {
        failure = await this.consume(consumer, () => (failures = 0));
      } catch (error) {
        failure = error;
      }
      // Also after a crash (kafkajs disconnected already) and after a late join racing close().
      await consumer.disconnect().catch((error: unknown) => logger.warn(`${group}: disconnecting the consumer failed: ${String(error)}`));
      if (signal.aborted || failure === STOPPED) break;
      failures++;
      const delayMs = Math.min(this.deps.restartDelayMs * 2 ** (failures - 1), this.deps.maxRestartDelayMs);
      this.setState('recovering');
      logger.error(
        `${group}: Kafka consumer ${this.deps.groupId} stopped (${describe(failure)}); restarting in ${delayMs} ms`,
        failure instanceof Error ? failure.stack : undefined,
      );
      this.deps.onError(failure);
      try {
        await this.deps.clock.sleep(delayMs, signal);
      } catch {
        break;
      }
    }
    this.setState('stopped');
  }

  /** Run one consumer until it crashes for good (resolves with the error) or the bus stops (STOPPED). */
  private async consume(consumer: Consumer, onJoined: () => void): Promise<unknown> {
    const { signal, logger, group } = this.deps;
    let crashed!: (error: unknown) => void;
    const crash = new Promise<unknown>((resolve) => (crashed = resolve));
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.assigned(payload.memberAssignment);
      onJoined();
      this.setState('running');
    });
    consumer.on(consumer.events.START_BATCH_PROCESS, ({ payload }) => {
      this.sawBatch(payload.topic, payload.partition, payload.firstOffset, payload.highWatermark);
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (signal.aborted) return;
      if (payload.restart) {
        // kafkajs reconnects by itself after a retriable error; until it has joined again the group is down.
        this.setState('recovering');
        logger.error(`${group}: Kafka consumer crashed (${describe(payload.error)}); kafkajs is restarting it`);
        this.deps.onError(payload.error);
      } else {
        crashed(payload.error);
      }
    });
    await consumer.connect();
    if (signal.aborted) return STOPPED;
    // From the beginning: a group that never committed must not skip what was published before it existed.
    await consumer.subscribe({ topics: [...this.deps.topics], fromBeginning: true });
    if (signal.aborted) return STOPPED;
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: this.deps.partitionsConsumedConcurrently,
      eachMessage: async (payload) => {
        await this.deps.process(payload, async (offsets) => {
          await consumer.commitOffsets(offsets);
          this.committed(offsets);
        });
      },
    });
    return Promise.race([crash, this.stopped]);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
