import { Logger } from '@nestjs/common';
import type { CustomTransportStrategy, Transport } from '@nestjs/microservices';
import type { ConsumerConfig } from 'kafkajs';
import type { ContextName } from '@ticketing/contracts';
import type { Clock } from '@ticketing/kernel';
import type { RecordedEvent } from '@ticketing/event-store';
import type { BusEventContext } from '../bus-event.context';
import type { BusTransport } from '../bus-transport';
import { BusServer } from '../bus-server.base';
import type { DeadLetterQuery, DeadLetterRecord } from '../dead-letter';
import type { ReplayOptions, ReplayResult } from '../dead-letter.replayer';
import type { ConsumerGroupStatus } from '../embedded/embedded-bus.server';
import { invokeBusHandler, type InvokeBusHandler } from '../event-delivery';
import { resolveRetryPolicy, type RetryPolicy } from '../retry.policy';
import { createKafkaClient, type KafkaClient } from './kafka-client';
import { KafkaDeadLetterLog, type DeadLetterLog } from './kafka-dead-letter.log';
import { KafkaDeadLetterReplayer } from './kafka-dead-letter.replayer';
import { KafkaGroupConsumer } from './kafka-group.consumer';
import { KafkaMessageProcessor } from './kafka-message.processor';
import { deadLetterTopicOf, ensureBusTopics, KafkaTopology, type EventContexts, type TopicSettings } from './kafka-topology';

/** Transport id of the Kafka bus: `@EventPattern(type, KAFKA_BUS_TRANSPORT)` pins a handler to it. */
export const KAFKA_BUS_TRANSPORT = Symbol('KAFKA_BUS');

export type KafkaBusOptions = Readonly<{
  /** `host:port` of the bootstrap brokers (TICKETING_BUS=kafka://…). Ignored when `kafka` is given. */
  brokers: readonly string[];
  clientId?: string;
  /** Consumer group id of bus group `g` is `<groupIdPrefix>.<g>`: one Kafka group per bus group. */
  groupIdPrefix: string;
  /** Which context (hence topic) publishes each event type a handler may subscribe to; see `eventContextsOf`. */
  eventContexts: EventContexts;
  /** Topic per context; default `ticketing.<context>.events`. */
  topicOf?: (context: ContextName) => string;
  clock: Clock;
  retry?: Partial<RetryPolicy>;
  /**
   * Turns an event as it travelled (personal data sealed) into what handlers get (opened); default
   * none. A failure is retried and dead-lettered like a handler's.
   */
  revealEvent?: (event: RecordedEvent) => RecordedEvent | Promise<RecordedEvent>;
  /** Wraps every handler call, e.g. to put the event's correlation id into the logging context. */
  runInContext?: <T>(event: RecordedEvent, fn: () => Promise<T>) => Promise<T>;
  /** Called after a message was dead-lettered; `event` is undefined for a message that was not a bus event. */
  onDeadLetter?: (record: DeadLetterRecord, event: RecordedEvent | undefined) => void | Promise<void>;
  /** A kafkajs client (or a test double); default one built from `brokers`. */
  kafka?: KafkaClient;
  /** Replaces the dead-letter topics' reader/writer (tests). */
  deadLetterLog?: DeadLetterLog;
  /** Create the context topics and their `.dlq` topics at `listen` if missing (tests); the runtime uses `KafkaTopicProvisioner` through `beforeConsuming`. */
  ensureTopics?: TopicSettings;
  /**
   * Partitions of one group processed at the same time (default 1). A partition is always
   * processed one message at a time; above 1, a group's handlers run concurrently for tickets on
   * different partitions — as they do on the embedded bus, which overlaps tickets too.
   */
  partitionsConsumedConcurrently?: number;
  /** Extra kafkajs consumer settings (sessionTimeout, heartbeatInterval…). */
  consumerConfig?: Partial<Omit<ConsumerConfig, 'groupId'>>;
  /** Longest backoff stretch without a heartbeat (default 3000); keep under the session timeout. */
  heartbeatIntervalMs?: number;
  /** First wait before recreating a consumer kafkajs gave up on (default 1000), doubling up to `maxRestartDelayMs` (default 30000). */
  restartDelayMs?: number;
  maxRestartDelayMs?: number;
  /**
   * How often high watermarks are read from the broker in the background (on `clock`; default
   * never), so lag grows while a group's consumer is stuck or down; never on a scrape's path.
   */
  offsetsRefreshMs?: number;
  /** Awaited in the background before the consumers start, e.g. the topics' first check (`KafkaTopicProvisioner.whenLooked`). */
  beforeConsuming?: () => Promise<unknown>;
  /** Longest close() waits for in-flight handlers (default 10000), on `clock`. */
  closeTimeoutMs?: number;
}>;

/** Same meaning as the embedded bus's statuses. */
export type KafkaBusStatus = 'starting' | 'listening' | 'degraded' | 'stopped';

export type KafkaBusEvents = {
  /** A group's consumer crashed or could not start; it is being restarted. */
  error: (error: unknown, group: string) => void;
  parked: (record: DeadLetterRecord) => void;
};

/**
 * The Kafka bus (docs/architecture.md §5): a Nest transport with one kafkajs consumer per bus group, reading
 * the context topics of the event types the group handles and dispatching every message by its
 * `event-type` header to the same `@EventPattern(type, { group })` handlers the embedded bus runs,
 * with the recorded event as payload and a `BusEventContext`. Nest's stock ServerKafka subscribes
 * a topic per pattern, which would split one ticket's events across topics and lose their order;
 * here a ticket's events share one topic and partition whatever their type.
 *
 * At-least-once: partitions are processed one message at a time, an offset is committed only after
 * the handlers succeeded or the message was dead-lettered to `<topic>.dlq` (after retries with
 * backoff), and a rebalance may redeliver; handlers are idempotent.
 */
export class KafkaBusServer extends BusServer<KafkaBusEvents, KafkaBusStatus> implements CustomTransportStrategy, BusTransport {
  override transportId: Transport | symbol = KAFKA_BUS_TRANSPORT;
  protected override readonly logger = new Logger(KafkaBusServer.name);

  private readonly retryPolicy: RetryPolicy;
  private readonly topology: KafkaTopology;
  private readonly kafka: KafkaClient;
  private readonly deadLetterLog: DeadLetterLog;
  private readonly deadLetters: KafkaDeadLetterReplayer;
  private groups = new Map<string, KafkaGroupConsumer>();
  private stop = new AbortController();
  private listening = false;
  private closing: Promise<void> | undefined;
  private parkedSinceStart = new Map<string, number>();

  constructor(private readonly options: KafkaBusOptions) {
    super();
    this.retryPolicy = resolveRetryPolicy(options.retry);
    this.topology = new KafkaTopology({ eventContexts: options.eventContexts, topicOf: options.topicOf });
    this.kafka = options.kafka ?? createKafkaClient({ brokers: options.brokers, clientId: options.clientId });
    this.deadLetterLog =
      options.deadLetterLog ??
      new KafkaDeadLetterLog({ kafka: this.kafka, groupIdPrefix: options.groupIdPrefix, clock: options.clock, logger: this.logger });
    this.deadLetters = new KafkaDeadLetterReplayer({
      log: this.deadLetterLog,
      // Only the dead-letter topics of what this service's groups consume: its Kafka user may read no other.
      topics: () => [...new Set([...this.topicsByGroup().values()].flat().map(deadLetterTopicOf))],
      registry: this.registry,
      clock: options.clock,
      policy: this.retryPolicy,
      invoke: this.invoke,
      reveal: options.revealEvent,
      logger: this.logger,
    });
  }

  /** Topics each group's consumer reads. Throws when a handled event type has no known context. */
  topicsByGroup(): ReadonlyMap<string, readonly string[]> {
    return new Map(this.registry.groups().map((group) => [group, this.topology.topicsForEventTypes(group, this.registry.eventTypes(group))]));
  }

  /**
   * Start one consumer per group in the background and return: a broker that is down makes the
   * bus `degraded` (readiness fails, consumers keep retrying), not the boot fail. A handler whose
   * event type maps to no topic does fail it.
   */
  listen(callback: (error?: unknown, info?: unknown) => void): void {
    if (this.listening) return callback();
    let topics: ReadonlyMap<string, readonly string[]>;
    try {
      topics = this.topicsByGroup();
    } catch (error) {
      return callback(error);
    }
    this.listening = true;
    this.closing = undefined;
    this.stop = new AbortController();
    const { signal } = this.stop;
    for (const [group, groupTopics] of topics) {
      const processor = new KafkaMessageProcessor({
        group,
        handlersFor: (eventType) => this.registry.handlersFor(group, eventType),
        policy: this.retryPolicy,
        clock: this.options.clock,
        invoke: this.invoke,
        reveal: this.options.revealEvent,
        deadLetters: this.deadLetterLog,
        logger: this.logger,
        signal,
        heartbeatIntervalMs: this.options.heartbeatIntervalMs,
        onParked: (record, event) => this.onParked(record, event),
      });
      const consumer = new KafkaGroupConsumer({
        kafka: this.kafka,
        group,
        groupId: `${this.options.groupIdPrefix}.${group}`,
        topics: groupTopics,
        consumerConfig: this.options.consumerConfig,
        partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 1,
        process: (payload, commitOffsets) => processor.process(payload, commitOffsets),
        clock: this.options.clock,
        logger: this.logger,
        restartDelayMs: this.options.restartDelayMs ?? 1_000,
        maxRestartDelayMs: this.options.maxRestartDelayMs ?? 30_000,
        signal,
        onError: (error) => this.emit('error', error, group),
        onStateChange: () => this.publishStatus(),
      });
      this.groups.set(group, consumer);
    }
    void this.start(signal);
    this.logger.log(
      `Kafka bus consuming for groups: ${[...topics].map(([group, t]) => `${group} (${t.join(', ')})`).join('; ') || '(none)'}`,
    );
    this.publishStatus();
    callback();
  }

  /**
   * Stop consuming and wait (up to `closeTimeoutMs`) for in-flight handlers; a handler waiting
   * for a retry is abandoned uncommitted, so its message is delivered again on the next start.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /** Every group's consumer has joined its group and is consuming; false before listen, while recovering, after close. */
  isHealthy(): boolean {
    return this.listening && !this.closing && [...this.groups.values()].every((group) => group.isRunning);
  }

  /**
   * Per group, from what its consumer saw, never from the broker (a scrape must answer with the
   * broker down): over the partitions this replica was assigned, `head` = the high watermarks of
   * the batches it fetched, `checkpoint` = the offsets it committed, `lag` = messages not yet
   * committed (every message of the topics, including types the group skips). The numbers freeze
   * while a group is not running; `running` says so. `parked` counts what this process
   * dead-lettered since it started: the dead-letter topics are shared and counting them means
   * reading them (`listDeadLetters`).
   */
  async groupStatus(): Promise<ConsumerGroupStatus[]> {
    const groups = [...new Set([...this.registry.groups(), ...this.parkedSinceStart.keys()])].sort();
    return groups.map((group) => {
      const consumer = this.groups.get(group);
      const { checkpoint, head, lag } = consumer?.progress() ?? { checkpoint: 0, head: 0, lag: 0 };
      return {
        group,
        eventTypes: this.registry.eventTypes(group),
        checkpoint,
        head,
        lag,
        parked: this.parkedSinceStart.get(group) ?? 0,
        running: consumer?.isRunning ?? false,
      };
    });
  }

  /** Dead letters of every group, read from the context topics' `.dlq` topics. */
  listDeadLetters(query: DeadLetterQuery = {}): Promise<DeadLetterRecord[]> {
    return this.deadLetters.list(query);
  }

  /** Deliver dead letters once more to their group's handlers; needs the handlers registered, not `listen`. */
  replayDeadLetters(options: ReplayOptions = {}): Promise<ReplayResult[]> {
    return this.deadLetters.replay(options);
  }

  /** The kafkajs client. */
  unwrap<T>(): T {
    return this.kafka as unknown as T;
  }

  private async start(signal: AbortSignal): Promise<void> {
    if (this.options.ensureTopics) {
      try {
        await ensureBusTopics(this.kafka, this.topology, this.options.ensureTopics);
      } catch (error) {
        // Consumers start anyway: the topics may exist, and if not, their crashes say so.
        this.logger.error(`Creating the bus topics failed: ${String(error)}`);
      }
    }
    await this.options.beforeConsuming?.().catch((error: unknown) => this.logger.warn(`Before consuming: ${String(error)}`));
    if (signal.aborted) return;
    for (const group of this.groups.values()) group.start();
    if (this.options.offsetsRefreshMs !== undefined) void this.refreshHighWatermarks(this.options.offsetsRefreshMs, signal);
  }

  /** One look at a time; a broker that never answers holds this loop, not a scrape nor close(). */
  private async refreshHighWatermarks(everyMs: number, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.options.clock.sleep(everyMs, signal);
      } catch {
        return;
      }
      const groups = [...this.groups.values()];
      const topics = [...new Set(groups.flatMap((group) => [...group.knownPartitions().keys()]))];
      if (topics.length === 0) continue;
      const admin = this.kafka.admin();
      try {
        await admin.connect();
        for (const topic of topics) {
          const offsets = await admin.fetchTopicOffsets(topic);
          for (const { partition, high } of offsets) for (const group of groups) group.raiseHighWatermark(topic, partition, Number(high));
        }
      } catch (error) {
        this.logger.warn(`Reading the topics' high watermarks failed: ${String(error)}`);
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    }
  }

  private readonly invoke: InvokeBusHandler = async (handler, event, context) => {
    const run = () => this.withProcessingHooks(context, () => invokeBusHandler(handler, event, context));
    await (this.options.runInContext ? this.options.runInContext(event, run) : run());
  };

  private async withProcessingHooks(context: BusEventContext, run: () => Promise<void>): Promise<void> {
    try {
      await this.onProcessingStartHook(this.transportId, context, run);
    } finally {
      this.onProcessingEndHook?.(this.transportId, context);
    }
  }

  private async onParked(record: DeadLetterRecord, event: RecordedEvent | undefined): Promise<void> {
    this.parkedSinceStart.set(record.group, (this.parkedSinceStart.get(record.group) ?? 0) + 1);
    this.emit('parked', record);
    await this.options.onDeadLetter?.(record, event);
  }

  private async shutdown(): Promise<void> {
    this.stop.abort(new Error('Kafka bus closing'));
    const groups = [...this.groups.values()];
    const stopped = Promise.all(groups.map((group) => group.whenStopped())).then(() => true);
    const timeout = new AbortController();
    const timedOut = this.options.clock.sleep(this.options.closeTimeoutMs ?? 10_000, timeout.signal).then(
      () => false,
      () => false,
    );
    const finished = await Promise.race([stopped, timedOut]);
    timeout.abort();
    if (!finished) this.logger.warn('Kafka bus closed while handlers were still running; their messages will be delivered again');
    await this.deadLetterLog.close().catch((error: unknown) => this.logger.warn(`Closing the dead-letter producer failed: ${String(error)}`));
    this.groups = new Map();
    this.listening = false;
    this._status$.next('stopped');
  }

  private publishStatus(): void {
    if (this.closing || !this.listening) return;
    const states = [...this.groups.values()].map((group) => group.state);
    if (states.every((state) => state === 'running')) this._status$.next('listening');
    else if (states.includes('recovering')) this._status$.next('degraded');
    else this._status$.next('starting');
  }

}
