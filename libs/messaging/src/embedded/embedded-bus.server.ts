import { Logger } from '@nestjs/common';
import type { CustomTransportStrategy, Transport } from '@nestjs/microservices';
import { assertNever, newId, type Clock } from '@ticketing/kernel';
import type { EventStore, RecordedEvent } from '@ticketing/event-store';
import type { BusEventContext } from '../bus-event.context';
import { BusServer } from '../bus-server.base';
import type { ConsumerStateStore } from '../consumer-state.port';
import { describeError, newDeadLetter, type DeadLetterQuery, type DeadLetterRecord } from '../dead-letter';
import { DeadLetterReplayer, type ReplayOptions, type ReplayResult } from '../dead-letter.replayer';
import { deliverWithRetry, invokeBusHandler, type InvokeBusHandler } from '../event-delivery';
import { resolveRetryPolicy, type RetryPolicy } from '../retry.policy';
import { ConsumerGroupRunner, type ConsumeResult } from './consumer-group.runner';

/** Transport id of the embedded bus: `@EventPattern(type, EMBEDDED_BUS_TRANSPORT)` pins a handler to it. */
export const EMBEDDED_BUS_TRANSPORT = Symbol('EMBEDDED_BUS');

export type EmbeddedBusOptions = Readonly<{
  eventStore: EventStore;
  state: ConsumerStateStore;
  clock: Clock;
  retry?: Partial<RetryPolicy>;
  /** Wraps every handler call, e.g. to put the event's correlation id into the logging context. */
  runInContext?: <T>(event: RecordedEvent, fn: () => Promise<T>) => Promise<T>;
  /** Called after an event was parked (metrics, alerts); its errors are logged, never rethrown. */
  onDeadLetter?: (record: DeadLetterRecord, event: RecordedEvent) => void | Promise<void>;
  /** Wait before a group re-subscribes after the event store or state store failed (default 1000). */
  restartDelayMs?: number;
  /** Longest close() waits for in-flight handlers (default 10000), measured on `clock`. */
  closeTimeoutMs?: number;
  /** Events a group handles at once, each ticket's in order (default 1: strictly the log's order). */
  maxConcurrency?: number;
}>;

/**
 * `starting`: some group has not subscribed yet; `listening`: every group consumes; `degraded`:
 * some group is recovering from an error (it resubscribes on its own); `stopped`: closed.
 */
export type EmbeddedBusStatus = 'starting' | 'listening' | 'degraded' | 'stopped';

export type EmbeddedBusEvents = {
  /** A group's loop failed (store unavailable…) and will resubscribe. */
  error: (error: unknown, group: string) => void;
  parked: (record: DeadLetterRecord) => void;
};

/** Progress of one consumer group, for metrics and the ops CLI. */
export type ConsumerGroupStatus = Readonly<{
  group: string;
  eventTypes: readonly string[];
  checkpoint: number;
  head: number;
  /** Global positions between checkpoint and head; 0 when none of them is for this group. */
  lag: number;
  parked: number;
  running: boolean;
}>;

/**
 * The embedded bus (docs/architecture.md §5): a Nest transport whose consumer groups read the event store's
 * global log and dispatch each event by type to `@EventPattern(type, { group })` handlers.
 * At-least-once, one event at a time per group (so per-stream order holds), a checkpoint per
 * group saved only after the event was handled or parked, retries with backoff on the injected
 * clock, then a dead-letter table.
 */
export class EmbeddedBusServer
  extends BusServer<EmbeddedBusEvents, EmbeddedBusStatus>
  implements CustomTransportStrategy
{
  override transportId: Transport | symbol = EMBEDDED_BUS_TRANSPORT;
  protected override readonly logger = new Logger(EmbeddedBusServer.name);

  private readonly retryPolicy: RetryPolicy;
  private readonly replayer: DeadLetterReplayer;
  private runners = new Map<string, ConsumerGroupRunner>();
  private listening = false;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: EmbeddedBusOptions) {
    super();
    this.retryPolicy = resolveRetryPolicy(options.retry);
    this.replayer = new DeadLetterReplayer({
      registry: this.registry,
      eventStore: options.eventStore,
      state: options.state,
      clock: options.clock,
      policy: this.retryPolicy,
      invoke: this.invoke,
      logger: this.logger,
    });
  }

  /** Start one consumer loop per group; Nest calls it from `listen()` / `startAllMicroservices()`. */
  listen(callback: (error?: unknown, info?: unknown) => void): void {
    if (this.listening) return callback();
    this.listening = true;
    this.closing = undefined;
    for (const group of this.registry.groups()) {
      const runner = new ConsumerGroupRunner({
        group,
        eventTypes: this.registry.eventTypes(group),
        eventStore: this.options.eventStore,
        state: this.options.state,
        clock: this.options.clock,
        logger: this.logger,
        restartDelayMs: this.options.restartDelayMs ?? 1_000,
        maxConcurrency: this.options.maxConcurrency,
        consume: (event, signal) => this.consume(group, event, signal),
        onError: (error) => this.emit('error', error, group),
        onStateChange: () => this.publishStatus(),
      });
      this.runners.set(group, runner);
    }
    for (const runner of this.runners.values()) runner.start();
    this.logger.log(`Embedded bus consuming for groups: ${this.registry.groups().join(', ') || '(none)'}`);
    this.publishStatus();
    callback();
  }

  /**
   * Stop taking events and wait (up to `closeTimeoutMs`) for in-flight handlers. A handler still
   * waiting for a retry is abandoned without parking: its event is delivered again on next start.
   */
  close(): Promise<void> {
    this.closing ??= this.stopRunners();
    return this.closing;
  }

  /** Every consumer group's loop is subscribed and consuming; false before listen and after close. */
  isHealthy(): boolean {
    return this.listening && !this.closing && [...this.runners.values()].every((runner) => runner.isRunning);
  }

  /** Checkpoint, lag and parked count of every group (registered or with parked events): metrics, `ticketing bus status`. */
  async groupStatus(): Promise<ConsumerGroupStatus[]> {
    const { eventStore, state } = this.options;
    const [head, parked] = await Promise.all([eventStore.headPosition(), state.countParked()]);
    const groups = [...new Set([...this.registry.groups(), ...parked.keys()])].sort();
    return Promise.all(
      groups.map(async (group) => {
        const eventTypes = this.registry.eventTypes(group);
        const checkpoint = await state.loadCheckpoint(group);
        const pending = eventTypes.length > 0 && (await this.hasEventAfter(checkpoint, eventTypes));
        return {
          group,
          eventTypes,
          checkpoint,
          head,
          lag: pending ? Math.max(0, head - checkpoint) : 0,
          parked: parked.get(group) ?? 0,
          running: this.runners.get(group)?.isRunning ?? false,
        };
      }),
    );
  }

  listDeadLetters(query: DeadLetterQuery = {}): Promise<DeadLetterRecord[]> {
    return this.options.state.listParked(query);
  }

  /**
   * Deliver parked events once more to their group's handlers, in position order. Success marks a
   * record replayed; failure keeps it parked with the new error and attempt count. Needs the
   * handlers registered (the microservice connected/initialised), not `listen`.
   */
  replayDeadLetters(options: ReplayOptions = {}): Promise<ReplayResult[]> {
    return this.replayer.replay(options);
  }

  /** The event store the bus reads. */
  unwrap<T>(): T {
    return this.options.eventStore as unknown as T;
  }

  private async consume(group: string, event: RecordedEvent, signal: AbortSignal): Promise<ConsumeResult> {
    const outcome = await deliverWithRetry({
      event,
      group,
      handlers: this.registry.handlersFor(group, event.type),
      policy: this.retryPolicy,
      clock: this.options.clock,
      signal,
      invoke: this.invoke,
      onRetry: ({ attempt, delayMs, error }) =>
        this.logger.warn(
          `${group}: ${event.type} at ${event.globalPosition} failed attempt ${attempt}/${this.retryPolicy.maxAttempts} ` +
            `(${describeError(error).message}); retrying in ${delayMs} ms`,
        ),
    });
    switch (outcome.kind) {
      case 'delivered':
        return 'acknowledged';
      case 'aborted':
        return 'aborted';
      case 'exhausted':
        await this.park(group, event, outcome.attempts, outcome.error);
        return 'acknowledged';
      default:
        return assertNever(outcome);
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

  private async park(group: string, event: RecordedEvent, attempts: number, error: unknown): Promise<void> {
    const now = this.options.clock.now();
    const record = await this.options.state.park(newDeadLetter({ id: newId(), group, event, attempts, error, now }));
    this.logger.error(
      `${group}: parked ${event.type} ${event.id} at ${event.globalPosition} after ${attempts} attempts ` +
        `(dead letter ${record.id}): ${record.error.message}`,
    );
    this.emit('parked', record);
    try {
      await this.options.onDeadLetter?.(record, event);
    } catch (hookError) {
      this.logger.error(`onDeadLetter failed for ${record.id}`, hookError instanceof Error ? hookError.stack : hookError);
    }
  }

  private async hasEventAfter(position: number, eventTypes: readonly string[]): Promise<boolean> {
    for await (const _event of this.options.eventStore.readAll({ fromPosition: position, filter: { eventTypes }, max: 1 })) {
      return true;
    }
    return false;
  }

  private async stopRunners(): Promise<void> {
    const runners = [...this.runners.values()];
    const stopped = Promise.all(runners.map((runner) => runner.stop())).then(() => true);
    const timeout = new AbortController();
    const timedOut = this.options.clock.sleep(this.options.closeTimeoutMs ?? 10_000, timeout.signal).then(
      () => false,
      () => false,
    );
    const finished = await Promise.race([stopped, timedOut]);
    timeout.abort();
    if (!finished) this.logger.warn('Embedded bus closed while handlers were still running; their events will be redelivered');
    this.runners = new Map();
    this.listening = false;
    this._status$.next('stopped');
  }

  private publishStatus(): void {
    if (this.closing || !this.listening) return;
    const states = [...this.runners.values()].map((runner) => runner.state);
    if (states.every((state) => state === 'running')) this._status$.next('listening');
    else if (states.includes('recovering')) this._status$.next('degraded');
    else this._status$.next('starting');
  }

}
