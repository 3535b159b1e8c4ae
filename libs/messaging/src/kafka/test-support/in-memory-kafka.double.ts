// Test support (not exported from the lib, not built).
//
// An in-memory double of the part of kafkajs the bus and the relay use: Kafka#consumer/producer/
// admin, with topics split into partitions by key, committed offsets per group, consumers that
// process each partition one message at a time and re-fetch from the committed offset after
// eachMessage throws, CRASH/GROUP_JOIN/START_BATCH_PROCESS instrumentation events (a batch per
// message, with the partition's high watermark), injectable failures, a broker that refuses to
// auto-create topics (`autoCreateTopics = false`) and one that never answers (`unreachable`).
//
// What it is NOT: Kafka. It does not speak the protocol and it models neither rebalancing between
// several members, nor session timeouts, nor retention, nor broker-side idempotence. It models
// three kafkajs behaviours read from kafkajs 2.2.4's source (src/consumer/runner.js, index.js):
// a commit requested after the consumer began stopping is dropped; disconnect() waits for the
// eachMessage in flight; a crash disconnects the consumer before emitting CRASH.
import { setMaxListeners } from 'node:events';
import type {
  Admin,
  Consumer,
  ConsumerConfig,
  ConsumerRunConfig,
  ConsumerSubscribeTopics,
  EachMessagePayload,
  IHeaders,
  KafkaMessage,
  Message,
  Producer,
  ProducerBatch,
  ProducerConfig,
  ProducerRecord,
  TopicPartitionOffsetAndMetadata,
} from 'kafkajs';
import type { KafkaClient } from '../kafka-client';

export type StoredMessage = Readonly<{
  topic: string;
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer>;
}>;

export type SendRecord = Readonly<{ topics: string[]; acks: number | undefined; count: number; idempotent: boolean }>;

type Listener = (event: { payload: unknown }) => void;

const CONSUMER_EVENTS = {
  HEARTBEAT: 'consumer.heartbeat',
  COMMIT_OFFSETS: 'consumer.commit_offsets',
  GROUP_JOIN: 'consumer.group_join',
  FETCH_START: 'consumer.fetch_start',
  FETCH: 'consumer.fetch',
  START_BATCH_PROCESS: 'consumer.start_batch_process',
  END_BATCH_PROCESS: 'consumer.end_batch_process',
  CONNECT: 'consumer.connect',
  DISCONNECT: 'consumer.disconnect',
  STOP: 'consumer.stop',
  CRASH: 'consumer.crash',
  REBALANCING: 'consumer.rebalancing',
  RECEIVED_UNSUBSCRIBED_TOPICS: 'consumer.received_unsubscribed_topics',
  REQUEST: 'consumer.network.request',
  REQUEST_TIMEOUT: 'consumer.network.request_timeout',
  REQUEST_QUEUE_SIZE: 'consumer.network.request_queue_size',
} as const;

const toBuffer = (value: Buffer | string | null | undefined): Buffer | null =>
  value === null || value === undefined ? null : Buffer.isBuffer(value) ? value : Buffer.from(value);

function hashOf(text: string): number {
  let hash = 5381;
  for (let i = 0; i < text.length; i++) hash = ((hash << 5) + hash + text.charCodeAt(i)) | 0;
  return Math.abs(hash);
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

export class InMemoryKafka implements KafkaClient {
  readonly sends: SendRecord[] = [];
  readonly consumers: InMemoryConsumer[] = [];
  defaultPartitions = 3;
  /** Like a broker's auto.create.topics.enable: false makes producing to or subscribing to a missing topic fail. */
  autoCreateTopics = true;
  /** Replication factor asked for each topic created through the admin client (-1: the broker's default). */
  readonly replicationFactors = new Map<string, number>();
  /** Admin calls made, by method name. */
  readonly adminCalls: string[] = [];
  /** The topics whose offsets an admin asked for, in order. */
  readonly offsetTopicsAsked: string[] = [];
  private unreachableSince: Promise<void> | undefined;
  private reachable: () => void = () => undefined;
  private readonly logs = new Map<string, StoredMessage[][]>();
  private readonly committed = new Map<string, Map<string, number>>();
  private readonly members = new Map<string, InMemoryConsumer>();
  private waiters = new Set<() => void>();
  private sendFailures: Array<{ error: unknown; afterAppend: boolean }> = [];
  private commitFailures: unknown[] = [];
  private connectFailures: unknown[] = [];
  private heartbeatFailures: unknown[] = [];
  private roundRobin = 0;

  // --- test controls ---------------------------------------------------------------------------

  /** The next sends fail; `afterAppend`: the messages are written, only the acknowledgement is lost. */
  failNextSends(count: number, error: unknown = new Error('broker unavailable'), afterAppend = false): void {
    for (let i = 0; i < count; i++) this.sendFailures.push({ error, afterAppend });
  }

  failNextCommits(count: number, error: unknown = new Error('commit failed')): void {
    for (let i = 0; i < count; i++) this.commitFailures.push(error);
  }

  failNextConnects(count: number, error: unknown = new Error('connect ECONNREFUSED')): void {
    for (let i = 0; i < count; i++) this.connectFailures.push(error);
  }

  failNextHeartbeats(count: number, error: unknown): void {
    for (let i = 0; i < count; i++) this.heartbeatFailures.push(error);
  }

  /**
   * While unreachable, every admin call, producer send and consumer connect waits without an answer
   * (as a broker behind a dropped network does until the client's timeouts), and goes on once the
   * broker is reachable again.
   */
  set unreachable(down: boolean) {
    if (down && !this.unreachableSince) this.unreachableSince = new Promise((resolve) => (this.reachable = resolve));
    if (!down && this.unreachableSince) {
      this.unreachableSince = undefined;
      this.reachable();
    }
  }

  get unreachable(): boolean {
    return this.unreachableSince !== undefined;
  }

  /** @internal resolves at once, or when the broker is reachable again */
  async answer(): Promise<void> {
    while (this.unreachableSince) await this.unreachableSince;
  }

  createTopic(topic: string, partitions = this.defaultPartitions): boolean {
    if (this.logs.has(topic)) return false;
    this.logs.set(
      topic,
      Array.from({ length: partitions }, () => []),
    );
    return true;
  }

  hasTopic(topic: string): boolean {
    return this.logs.has(topic);
  }

  topicNames(): string[] {
    return [...this.logs.keys()].sort();
  }

  /** Every message of a topic, partition by partition. */
  messages(topic: string): StoredMessage[] {
    return (this.logs.get(topic) ?? []).flat();
  }

  partitionOf(topic: string, key: string): number {
    this.createTopic(topic);
    return hashOf(key) % this.partitionsOf(topic).length;
  }

  committedOffset(groupId: string, topic: string, partition: number): number | undefined {
    return this.committed.get(groupId)?.get(`${topic}|${partition}`);
  }

  /** The running member of a group (one at most in this double). */
  member(groupId: string): InMemoryConsumer | undefined {
    return this.members.get(groupId);
  }

  /** Append a raw message, as another producer would (poison messages…). */
  append(topic: string, message: Message): StoredMessage {
    this.autoCreate(topic);
    const partitions = this.partitionsOf(topic);
    const key = toBuffer(message.key ?? null);
    const partition = message.partition ?? (key ? hashOf(key.toString()) % partitions.length : this.roundRobin++ % partitions.length);
    const headers: Record<string, Buffer> = {};
    for (const [name, value] of Object.entries(message.headers ?? {})) {
      const last = Array.isArray(value) ? value[value.length - 1] : value;
      if (last !== undefined) headers[name] = toBuffer(last) as Buffer;
    }
    const stored: StoredMessage = { topic, partition, offset: partitions[partition].length, key, value: toBuffer(message.value), headers };
    partitions[partition].push(stored);
    this.wakeAll();
    return stored;
  }

  // --- kafkajs surface -------------------------------------------------------------------------

  consumer(config: ConsumerConfig): Consumer {
    const consumer = new InMemoryConsumer(this, config.groupId);
    this.consumers.push(consumer);
    return consumer as unknown as Consumer;
  }

  producer(config: ProducerConfig = {}): Producer {
    let connected = false;
    const send = async (topicMessages: ReadonlyArray<{ topic: string; messages: Message[] }>, acks: number | undefined) => {
      if (!connected) throw new Error('The producer is disconnected');
      await this.answer();
      const failure = this.sendFailures.shift();
      if (failure && !failure.afterAppend) throw failure.error;
      for (const { topic } of topicMessages) this.autoCreate(topic);
      for (const { topic, messages } of topicMessages) for (const message of messages) this.append(topic, message);
      this.sends.push({
        topics: topicMessages.map((t) => t.topic),
        acks,
        count: topicMessages.reduce((n, t) => n + t.messages.length, 0),
        idempotent: config.idempotent === true,
      });
      if (failure) throw failure.error;
      return [];
    };
    const producer = {
      connect: async () => {
        await this.answer();
        const failure = this.connectFailures.shift();
        if (failure) throw failure;
        connected = true;
      },
      disconnect: async () => {
        connected = false;
      },
      isIdempotent: () => config.idempotent === true,
      send: (record: ProducerRecord) => send([{ topic: record.topic, messages: record.messages }], record.acks),
      sendBatch: (batch: ProducerBatch) => send(batch.topicMessages ?? [], batch.acks),
    };
    return producer as unknown as Producer;
  }

  admin(): Admin {
    const admin = {
      connect: async () => {
        this.adminCalls.push('connect');
        await this.answer();
      },
      disconnect: async () => undefined,
      listTopics: async () => {
        this.adminCalls.push('listTopics');
        await this.answer();
        return this.topicNames();
      },
      createTopics: async ({ topics }: { topics: Array<{ topic: string; numPartitions?: number; replicationFactor?: number }> }) => {
        this.adminCalls.push('createTopics');
        await this.answer();
        return topics
          .map(({ topic, numPartitions, replicationFactor }) => {
            const created = this.createTopic(topic, numPartitions === undefined || numPartitions < 0 ? this.defaultPartitions : numPartitions);
            if (created) this.replicationFactors.set(topic, replicationFactor ?? -1);
            return created;
          })
          .some(Boolean);
      },
      fetchTopicMetadata: async ({ topics }: { topics: string[] }) => {
        this.adminCalls.push('fetchTopicMetadata');
        await this.answer();
        return {
          topics: topics.map((name) => ({
            name,
            partitions: this.partitionsOf(name).map((_messages, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], offlineReplicas: [] })),
          })),
        };
      },
      fetchTopicOffsets: async (topic: string) => {
        this.adminCalls.push('fetchTopicOffsets');
        this.offsetTopicsAsked.push(topic);
        await this.answer();
        return this.partitionsOf(topic).map((messages, partition) => ({
          partition,
          offset: String(messages.length),
          high: String(messages.length),
          low: '0',
        }));
      },
      fetchOffsets: async ({ groupId, topics }: { groupId: string; topics: string[] }) => {
        this.adminCalls.push('fetchOffsets');
        await this.answer();
        return topics.map((topic) => ({
          topic,
          partitions: this.partitionsOf(topic).map((_messages, partition) => ({
            partition,
            offset: String(this.committedOffset(groupId, topic, partition) ?? -1),
            metadata: null,
          })),
        }));
      },
      deleteGroups: async (groupIds: string[]) => {
        for (const groupId of groupIds) this.committed.delete(groupId);
        return groupIds.map((groupId) => ({ groupId }));
      },
    };
    return admin as unknown as Admin;
  }

  // --- internals used by InMemoryConsumer ---------------------------------------------------------

  /** @internal creates a missing topic as a broker with auto.create.topics.enable would, or refuses */
  autoCreate(topic: string): void {
    if (this.logs.has(topic)) return;
    if (!this.autoCreateTopics) throw new Error(`This server does not host this topic-partition: ${topic}`);
    this.createTopic(topic);
  }

  partitionsOf(topic: string): StoredMessage[][] {
    const partitions = this.logs.get(topic);
    if (!partitions) throw new Error(`This server does not host this topic-partition: ${topic}`);
    return partitions;
  }

  /** @internal */
  join(groupId: string, member: InMemoryConsumer): void {
    const current = this.members.get(groupId);
    if (current && current !== member) throw new Error(`InMemoryKafka models one member per group; ${groupId} already has one`);
    this.members.set(groupId, member);
  }

  /** @internal */
  leave(groupId: string, member: InMemoryConsumer): void {
    if (this.members.get(groupId) === member) this.members.delete(groupId);
  }

  /** @internal */
  commit(groupId: string, offsets: TopicPartitionOffsetAndMetadata[]): void {
    const failure = this.commitFailures.shift();
    if (failure) throw failure;
    let group = this.committed.get(groupId);
    if (!group) this.committed.set(groupId, (group = new Map()));
    for (const { topic, partition, offset } of offsets) group.set(`${topic}|${partition}`, Number(offset));
  }

  /** @internal */
  takeConnectFailure(): unknown {
    return this.connectFailures.shift();
  }

  /** @internal */
  takeHeartbeatFailure(): unknown {
    return this.heartbeatFailures.shift();
  }

  /** @internal resolves on the next append, or when `signal` aborts */
  nextAppend(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const done = () => {
        this.waiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private wakeAll(): void {
    const waiters = this.waiters;
    this.waiters = new Set();
    for (const wake of waiters) wake();
  }
}

/** One consumer of the double; see the file header for what it models. */
export class InMemoryConsumer {
  readonly events = CONSUMER_EVENTS;
  /** Errors eachMessage threw (kafkajs logs them and re-fetches). */
  readonly processingErrors: unknown[] = [];
  private readonly listeners = new Map<string, Set<Listener>>();
  private topics: string[] = [];
  private fromBeginning = false;
  private connected = false;
  private running = false;
  private runConfig: ConsumerRunConfig | undefined;
  private stopSignal = new AbortController();
  private loops: Promise<void>[] = [];
  /** Partitions being processed now; kafkajs's partitionsConsumedConcurrently bounds it (default 1). */
  private busy = 0;
  private slotWaiters: Array<() => void> = [];

  constructor(
    private readonly broker: InMemoryKafka,
    readonly groupId: string,
  ) {}

  get isRunning(): boolean {
    return this.running;
  }


  on(event: string, listener: Listener): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  async connect(): Promise<void> {
    await this.broker.answer();
    const failure = this.broker.takeConnectFailure();
    if (failure) throw failure;
    this.connected = true;
  }

  async subscribe(subscription: ConsumerSubscribeTopics): Promise<void> {
    if (this.running) throw new Error('Cannot subscribe to topic while consumer is running');
    for (const topic of subscription.topics) {
      if (typeof topic !== 'string') throw new Error('InMemoryKafka supports topic names only');
      this.broker.autoCreate(topic);
      this.topics.push(topic);
    }
    this.fromBeginning = subscription.fromBeginning === true;
  }

  async run(config: ConsumerRunConfig): Promise<void> {
    if (!this.connected) throw new Error('The consumer is not connected');
    if (config.autoCommit !== false) throw new Error('InMemoryKafka models manual commits only (autoCommit: false)');
    this.runConfig = config;
    this.begin();
  }

  async commitOffsets(offsets: TopicPartitionOffsetAndMetadata[]): Promise<void> {
    // kafkajs's Runner#commitOffsets returns without committing once the consumer is stopping.
    if (!this.running) return;
    this.broker.commit(this.groupId, offsets);
  }

  async stop(): Promise<void> {
    await this.halt();
  }

  async disconnect(): Promise<void> {
    await this.halt();
    this.connected = false;
  }

  /** Crash as kafkajs does: disconnect (waiting for the message in flight), then emit CRASH; restart itself if `restart`. */
  async crash(error: Error, restart: boolean): Promise<void> {
    await this.disconnect();
    this.emit(CONSUMER_EVENTS.CRASH, { error, groupId: this.groupId, restart });
    if (restart) {
      await tick();
      this.connected = true;
      this.begin();
    }
  }

  private begin(): void {
    this.broker.join(this.groupId, this);
    this.running = true;
    this.stopSignal = new AbortController();
    const signal = this.stopSignal.signal;
    // One waiter per partition, and topics of 12 partitions: more than Node's default warning threshold.
    setMaxListeners(0, signal);
    this.loops = this.topics.flatMap((topic) => this.broker.partitionsOf(topic).map((_log, partition) => this.consume(topic, partition, signal)));
    const memberAssignment = Object.fromEntries(this.topics.map((topic) => [topic, this.broker.partitionsOf(topic).map((_log, partition) => partition)]));
    queueMicrotask(() => this.emit(CONSUMER_EVENTS.GROUP_JOIN, { groupId: this.groupId, memberAssignment }));
  }

  private async halt(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.stopSignal.abort();
    await Promise.all(this.loops);
    this.loops = [];
    this.broker.leave(this.groupId, this);
  }

  private startOffset(topic: string, partition: number): number {
    return this.broker.committedOffset(this.groupId, topic, partition) ?? (this.fromBeginning ? 0 : this.broker.partitionsOf(topic)[partition].length);
  }

  private async consume(topic: string, partition: number, signal: AbortSignal): Promise<void> {
    const eachMessage = this.runConfig?.eachMessage;
    if (!eachMessage) throw new Error('InMemoryKafka models eachMessage only');
    let position = this.startOffset(topic, partition);
    let consecutiveErrors = 0;
    while (!signal.aborted) {
      const log = this.broker.partitionsOf(topic)[partition];
      if (position >= log.length) {
        await this.broker.nextAppend(signal);
        continue;
      }
      const stored = log[position];
      const message: KafkaMessage = {
        key: stored.key,
        value: stored.value,
        headers: { ...stored.headers } as IHeaders,
        offset: String(stored.offset),
        timestamp: '0',
        attributes: 0,
      };
      const payload: EachMessagePayload = {
        topic,
        partition,
        message,
        heartbeat: async () => {
          const failure = this.broker.takeHeartbeatFailure();
          if (failure) throw failure;
        },
        pause: () => () => undefined,
      };
      await this.acquireSlot();
      if (signal.aborted) {
        this.releaseSlot();
        break;
      }
      const highWatermark = String(log.length);
      this.emit(CONSUMER_EVENTS.START_BATCH_PROCESS, {
        topic,
        partition,
        highWatermark,
        offsetLag: String(log.length - 1 - position),
        offsetLagLow: String(log.length - 1 - position),
        batchSize: 1,
        firstOffset: String(position),
        lastOffset: String(position),
      });
      try {
        await eachMessage(payload);
        position++;
        consecutiveErrors = 0;
      } catch (error) {
        this.releaseSlot();
        if (signal.aborted) break;
        this.processingErrors.push(error);
        if (++consecutiveErrors > 1_000) throw new Error(`InMemoryKafka: eachMessage keeps failing on ${topic}/${partition}@${position}`);
        // kafkajs re-fetches from the last resolved offset; with a commit per message that is the committed one.
        position = this.startOffset(topic, partition);
        await tick();
        continue;
      }
      this.releaseSlot();
    }
  }

  private async acquireSlot(): Promise<void> {
    const limit = this.runConfig?.partitionsConsumedConcurrently ?? 1;
    while (this.busy >= limit) await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    this.busy++;
  }

  private releaseSlot(): void {
    this.busy--;
    this.slotWaiters.shift()?.();
  }

  private emit(event: string, payload: unknown): void {
    for (const listener of this.listeners.get(event) ?? []) listener({ payload });
  }
}
