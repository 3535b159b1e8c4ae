import { Logger, type LoggerService } from '@nestjs/common';
import type { Clock } from '@ticketing/kernel';
import type { KafkaClient } from './kafka-client';
import { deadLetterTopicOf, type KafkaTopology } from './kafka-topology';

/** `create`: create the missing topics; `check`: only look (an operator or Strimzi provisions them). */
export type KafkaTopicMode = 'create' | 'check';

export type KafkaTopicProvisionerOptions = Readonly<{
  kafka: KafkaClient;
  topology: KafkaTopology;
  mode: KafkaTopicMode;
  /** Partitions of an event topic / of a dead-letter topic, when created. */
  partitions: number;
  deadLetterPartitions: number;
  /** Replicas of a created topic; undefined: the broker's `default.replication.factor`. */
  replicationFactor?: number;
  clock: Clock;
  /** Wait between two looks while a topic is missing or the broker does not answer (default 5000 ms). */
  recheckMs?: number;
  logger?: LoggerService;
}>;

/**
 * What start-up knows of the bus topics: `unknown` until the broker answered once (an unreachable
 * broker is not a missing topic: writes go on, the relay lag says the rest), `missing` names the
 * topics the broker lacks, `ready` once all exist.
 */
export type KafkaTopicsState =
  | Readonly<{ kind: 'unknown'; lastError: string | null }>
  | Readonly<{ kind: 'missing'; topics: readonly string[]; lastError: string | null }>
  | Readonly<{ kind: 'ready' }>;

/**
 * Creates or checks every context topic and its dead-letter topic in the background, looking again
 * every `recheckMs` (on the clock) until all exist. Nothing here blocks start-up or a readiness
 * probe: `check()` reads the last answer.
 */
export class KafkaTopicProvisioner {
  private readonly abort = new AbortController();
  private readonly logger: LoggerService;
  private loop: Promise<void> | undefined;
  private firstLook!: () => void;
  private readonly looked = new Promise<void>((resolve) => (this.firstLook = resolve));
  private current: KafkaTopicsState = { kind: 'unknown', lastError: null };

  constructor(private readonly options: KafkaTopicProvisionerOptions) {
    this.logger = options.logger ?? new Logger(KafkaTopicProvisioner.name);
  }

  get state(): KafkaTopicsState {
    return this.current;
  }

  /** Every topic the bus needs: each context's event topic, then its dead-letter topic. */
  topics(): string[] {
    return this.options.topology.eventTopics().flatMap((topic) => [topic, deadLetterTopicOf(topic)]);
  }

  /** Starts looking (once) and resolves after the first look, whatever it found, or on close. */
  whenLooked(): Promise<void> {
    this.loop ??= this.run();
    return this.looked;
  }

  /** Readiness: throws naming the missing topics; passes while the broker has not answered yet. */
  check(): void {
    const state = this.current;
    if (state.kind !== 'missing') return;
    const how =
      this.options.mode === 'check'
        ? 'TICKETING_KAFKA_TOPICS=check: provision them (deploy/kubernetes/base/kafka-topics.yaml) or set create'
        : `creating them failed: ${state.lastError ?? 'unknown error'}`;
    throw new Error(`Kafka topics missing: ${state.topics.join(', ')} (${how})`);
  }

  /** Stops looking; does not wait for a look in flight, which a broker that never answers would hold forever. */
  close(): void {
    this.abort.abort(new Error('Kafka topic provisioner closed'));
    this.firstLook();
  }

  private async run(): Promise<void> {
    const { signal } = this.abort;
    while (!signal.aborted) {
      await this.look();
      this.firstLook();
      if (this.current.kind === 'ready' || signal.aborted) return;
      await this.options.clock.sleep(this.options.recheckMs ?? 5_000, signal).catch(() => undefined);
    }
  }

  private async look(): Promise<void> {
    const { kafka, mode } = this.options;
    const admin = kafka.admin();
    const topics = this.topics();
    let missing: string[] | undefined;
    try {
      await admin.connect();
      const existing = new Set(await admin.listTopics());
      missing = topics.filter((topic) => !existing.has(topic));
      if (missing.length > 0 && mode === 'create') {
        await admin.createTopics({ waitForLeaders: true, topics: missing.map((topic) => this.settingsOf(topic)) });
        this.logger.log(`Created Kafka topics ${missing.join(', ')}`);
        missing = [];
      }
      if (missing.length === 0) this.current = { kind: 'ready' };
      else {
        if (this.current.kind !== 'missing') this.logger.error(`Kafka topics missing: ${missing.join(', ')}; not ready until they exist`);
        this.current = { kind: 'missing', topics: missing, lastError: null };
      }
    } catch (error) {
      const lastError = error instanceof Error ? error.message : String(error);
      this.logger.warn(`Kafka topics not ${mode === 'create' ? 'created' : 'checked'} yet (${lastError}); trying again`);
      this.current = missing && missing.length > 0 ? { kind: 'missing', topics: missing, lastError } : { kind: 'unknown', lastError };
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  private settingsOf(topic: string): { topic: string; numPartitions: number; replicationFactor?: number } {
    const { partitions, deadLetterPartitions, replicationFactor } = this.options;
    const numPartitions = this.options.topology.eventTopics().includes(topic) ? partitions : deadLetterPartitions;
    return { topic, numPartitions, ...(replicationFactor !== undefined && { replicationFactor }) };
  }
}
