import { SystemClock, type Clock } from '@ticketing/kernel';
import { openEventStore, type EventStore } from '@ticketing/event-store';
import {
  EmbeddedBusServer,
  MemoryConsumerStateStore,
  SqliteConsumerStateStore,
  type ConsumerStateStore,
  type RetryPolicy,
} from '@ticketing/messaging';
import { openReadStore, ProjectionRunner, type AnyProjectionDefinition, type ReadStore } from '@ticketing/read-store';
import { CorrelationContext, type TicketingConfig } from '@ticketing/platform';

export type RuntimeOptions = Readonly<{
  config: TicketingConfig;
  /** Read models the composed contexts need kept up to date. */
  projections: readonly AnyProjectionDefinition[];
  clock?: Clock;
  busRetry?: Partial<RetryPolicy>;
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
 * The adapters one process runs on, chosen by configuration (DESIGN.md §9): the event store, the
 * read store with its projection runner, and the bus transport with its consumer state.
 * Built before Nest so the CLI can use the same wiring without serving HTTP.
 */
export class TicketingRuntime {
  private appendedHook?: AppendedHook;

  private constructor(
    readonly config: TicketingConfig,
    readonly clock: Clock,
    readonly eventStore: EventStore,
    readonly readStore: ReadStore,
    readonly projections: ProjectionRunner,
    readonly busState: ConsumerStateStore,
    readonly bus: EmbeddedBusServer,
  ) {}

  static async open(options: RuntimeOptions): Promise<TicketingRuntime> {
    const { config } = options;
    const clock = options.clock ?? new SystemClock();
    if (config.bus.kind !== 'embedded') {
      throw new Error(`TICKETING_BUS=${config.bus.kind} is not available in this build; use "embedded"`);
    }
    let runtime: TicketingRuntime | undefined;
    const eventStore = await openEventStore(eventStoreUrl(config), {
      clock,
      onAppended: (streamName, count) => runtime?.appendedHook?.(streamName, count),
    });
    try {
      const readStore = await openReadStore(readStoreUrl(config), { clock });
      const projections = new ProjectionRunner({ readStore, eventStore, projections: options.projections, clock });
      // Bus checkpoints live in the event store's own SQLite file (DESIGN.md §5).
      const busState =
        config.eventStore.kind === 'sqlite'
          ? new SqliteConsumerStateStore(config.eventStore.file, { clock })
          : new MemoryConsumerStateStore();
      const bus = new EmbeddedBusServer({
        eventStore,
        state: busState,
        clock,
        retry: options.busRetry,
        runInContext: (event, fn) => CorrelationContext.run(event.metadata.correlationId, fn),
      });
      runtime = new TicketingRuntime(config, clock, eventStore, readStore, projections, busState, bus);
      return runtime;
    } catch (error) {
      await eventStore.close();
      throw error;
    }
  }

  onEventsAppended(hook: AppendedHook): void {
    this.appendedHook = hook;
  }

  /** Closes the stores; the bus and HTTP must have stopped first (Nest's app.close does both). */
  async close(): Promise<void> {
    await this.projections.stop();
    await this.busState.close();
    await this.readStore.close();
    await this.eventStore.close();
  }
}
