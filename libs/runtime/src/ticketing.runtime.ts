import { relative, resolve } from 'node:path';
import { SystemClock, type Clock } from '@ticketing/kernel';
import type { ContextName } from '@ticketing/contracts';
import { ensurePrivateDir, openEventStore, type EventStore } from '@ticketing/event-store';
import type { KafkaClient, KafkaTopicProvisioner, RetryPolicy } from '@ticketing/messaging';
import { openReadStore, ProjectionRunner, type AnyProjectionDefinition, type ReadStore } from '@ticketing/read-store';
import { openSubjectKeyStore, PersonalDataProtection, ProtectedEventStore, type SubjectKeyStore } from '@ticketing/privacy';
import { IdempotencyKeyPruner, IdempotencyStore, type TicketingConfig } from '@ticketing/platform';
import { Logger } from '@nestjs/common';
import { openBus, type OpenedBus } from './bus.factory';
import { ErasureFollower } from './erasure.follower';
import { TracingEventStore } from './tracing-event.store';
import type { RuntimeBus, RuntimeRelay } from './runtime-bus';

export type RuntimeOptions = Readonly<{
  config: TicketingConfig;
  /** Read models the composed contexts need kept up to date. */
  projections: readonly AnyProjectionDefinition[];
  /**
   * Contexts whose streams this process relays to Kafka when TICKETING_BUS=kafka://…: the ones it
   * composes (composeContexts). Default none.
   */
  relayContexts?: readonly ContextName[];
  clock?: Clock;
  busRetry?: Partial<RetryPolicy>;
  /** Names the process to the brokers (Kafka client id `ticketing-<name>`); default `all`. */
  name?: string;
  /** With TICKETING_BUS=kafka://…: a kafkajs client to use instead of one for the configured brokers (tests). */
  kafka?: KafkaClient;
}>;

/** Listener that the metrics module attaches once Nest is up; appends before that are not counted. */
type AppendedHook = (streamName: string, count: number) => void;

function eventStoreUrl(config: TicketingConfig): string {
  const store = config.eventStore;
  switch (store.kind) {
    case 'sqlite':
      return `sqlite:${store.file}`;
    case 'memory':
      return 'memory:';
    case 'kurrentdb':
      // openEventStore names the schemes this build supports when it rejects this one.
      return store.connectionString;
  }
}

function readStoreUrl(config: TicketingConfig): string {
  const store = config.readStore;
  switch (store.kind) {
    case 'sqlite':
      return `sqlite:${store.file}`;
    case 'memory':
      return 'memory:';
    case 'postgres':
      return store.connectionString;
  }
}

/**
 * The adapters one process runs on, chosen by configuration (docs/architecture.md §9): the event store, the
 * read store with its projection runner, the bus transport with its consumer state and, on Kafka,
 * the relay publishing this process's streams. Built before Nest so the CLI can use the same
 * wiring without serving HTTP.
 */
export class TicketingRuntime {
  private appendedHook?: AppendedHook;
  private erasures?: ErasureFollower;
  private pruner?: IdempotencyKeyPruner;
  /** Every context's Idempotency-Keys, in the read store, kept TICKETING_IDEMPOTENCY_KEY_RETENTION_HOURS. */
  readonly idempotency: IdempotencyStore;

  private constructor(
    readonly config: TicketingConfig,
    readonly clock: Clock,
    /** The event store with personal data opened: what every context reads and appends to. */
    readonly eventStore: ProtectedEventStore,
    readonly readStore: ReadStore,
    readonly projections: ProjectionRunner,
    private readonly opened: OpenedBus,
  ) {
    this.idempotency = new IdempotencyStore(readStore.db, { retentionMs: config.idempotency.retentionMs });
  }

  /** The event store as recorded (personal data sealed): for chain checks, signed exports and the relay. */
  get storedEvents(): EventStore {
    return this.eventStore.stored;
  }

  /** Seals and opens personal data; holds the key store an erasure destroys keys in. */
  get privacy(): PersonalDataProtection {
    return this.eventStore.protection;
  }

  static async open(options: RuntimeOptions): Promise<TicketingRuntime> {
    const { config } = options;
    const clock = options.clock ?? new SystemClock();
    tightenDataDir(config);
    let runtime: TicketingRuntime | undefined;
    const storedEvents = new TracingEventStore(
      await openEventStore(eventStoreUrl(config), {
        clock,
        onAppended: (streamName, count) => runtime?.appendedHook?.(streamName, count),
      }),
    );
    let readStore: ReadStore | undefined;
    let keys: SubjectKeyStore | undefined;
    try {
      keys = openSubjectKeyStore(config.keyStore, () => clock.now().toISOString());
      const eventStore = new ProtectedEventStore(storedEvents, new PersonalDataProtection({ keys, storedEvents, clock }));
      // NORMAL, not FULL: rows and checkpoint commit together, so a commit lost to a power cut is
      // simply replayed from the event store; no fsync per projection batch.
      readStore = await openReadStore(readStoreUrl(config), { clock, synchronous: 'NORMAL' });
      const projections = new ProjectionRunner({ readStore, eventStore, projections: options.projections, clock });
      const opened = openBus({
        config,
        eventStore,
        readStore,
        clock,
        retry: options.busRetry,
        relayContexts: options.relayContexts ?? [],
        name: options.name,
        kafka: options.kafka,
      });
      runtime = new TicketingRuntime(config, clock, eventStore, readStore, projections, opened);
      return runtime;
    } catch (error) {
      await readStore?.close();
      await keys?.close();
      await storedEvents.close();
      throw error;
    }
  }

  /** The bus transport: connect it to the app (`connectBusMicroservice`) for its handlers to consume. */
  get bus(): RuntimeBus {
    return this.opened.bus;
  }

  /** The relay publishing this process's streams to Kafka; undefined on the embedded bus. */
  get relay(): RuntimeRelay | undefined {
    return this.opened.relay;
  }

  /** On Kafka: the bus topics' creation or check (TICKETING_KAFKA_TOPICS), for readiness. */
  get kafkaTopics(): KafkaTopicProvisioner | undefined {
    return this.opened.topics;
  }

  /**
   * Starts the projections, follows erasures so that this process's read models and cached keys
   * forget an erased customer (ErasureFollower), and deletes expired idempotency keys hourly.
   */
  async startProjections(): Promise<void> {
    await this.projections.start();
    this.erasures ??= new ErasureFollower({
      eventStore: this.eventStore,
      readStore: this.readStore,
      idempotency: this.idempotency,
      protection: this.privacy,
      projections: this.projections,
      logger: new Logger('Erasures'),
    });
    await this.erasures.start();
    this.pruner ??= new IdempotencyKeyPruner({ store: this.idempotency, clock: this.clock, logger: new Logger('Idempotency') });
    this.pruner.start();
  }

  /** Resolves once this process has acted on the erasure recorded at `position` (startProjections must have run). */
  erasureHandled(position: number): Promise<void> {
    if (!this.erasures) return Promise.reject(new Error('projections (and erasures) are not followed in this process'));
    return this.erasures.handled(position);
  }

  onEventsAppended(hook: AppendedHook): void {
    this.appendedHook = hook;
  }

  /** Closes the relay and the stores; the bus and HTTP must have stopped first (Nest's app.close does both). */
  async close(): Promise<void> {
    await this.opened.relay?.close();
    await this.pruner?.stop();
    await this.erasures?.stop();
    await this.projections.stop();
    await this.opened.close();
    await this.readStore.close();
    await this.privacy.keys.close();
    await this.eventStore.close();
  }
}

// The data folder holds the SQLite files (personal data) and the dev secret: the owner's only.
function tightenDataDir(config: TicketingConfig): void {
  const files = [config.eventStore, config.readStore, config.keyStore].flatMap((store) => (store.kind === 'sqlite' ? [store.file] : []));
  const inside = (file: string) => !relative(resolve(config.dataDir), resolve(file)).startsWith('..');
  if (files.some(inside)) ensurePrivateDir(config.dataDir);
}
