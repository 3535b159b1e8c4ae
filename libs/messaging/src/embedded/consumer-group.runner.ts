import type { LoggerService } from '@nestjs/common';
import type { Clock } from '@ticketing/kernel';
import type { EventStore, EventSubscription, RecordedEvent } from '@ticketing/event-store';
import type { ConsumerStateStore } from '../consumer-state.port';

/** `acknowledged`: handled or parked, the checkpoint may pass it; `aborted`: leave it for next time. */
export type ConsumeResult = 'acknowledged' | 'aborted';

export type ConsumerGroupRunnerDeps = Readonly<{
  group: string;
  eventTypes: readonly string[];
  eventStore: EventStore;
  state: ConsumerStateStore;
  clock: Clock;
  logger: LoggerService;
  /** Delay before re-subscribing after the store or the state store failed. */
  restartDelayMs: number;
  consume: (event: RecordedEvent, signal: AbortSignal) => Promise<ConsumeResult>;
  onError: (error: unknown) => void;
  onStateChange: () => void;
}>;

/** `recovering`: the loop failed and waits to resubscribe from its checkpoint. */
export type ConsumerGroupState = 'starting' | 'running' | 'recovering' | 'stopped';

const STOPPED = Symbol('stopped');

/**
 * One consumer group's loop over the global log: subscribe from the checkpoint, consume each event
 * to completion, then save its position. One event at a time, so the log's order (and with it
 * every stream's order) is the order handlers see.
 */
export class ConsumerGroupRunner {
  private readonly abort = new AbortController();
  private readonly stopped: Promise<typeof STOPPED>;
  private loop: Promise<void> | undefined;
  private subscription: EventSubscription | undefined;
  private current: ConsumerGroupState = 'starting';

  constructor(private readonly deps: ConsumerGroupRunnerDeps) {
    this.stopped = new Promise((resolve) =>
      this.abort.signal.addEventListener('abort', () => resolve(STOPPED), { once: true }),
    );
  }

  get state(): ConsumerGroupState {
    return this.current;
  }

  /** Subscribed and consuming (not stopped, not waiting to recover from an error). */
  get isRunning(): boolean {
    return this.current === 'running';
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Stop taking events; resolves once the loop has ended (an in-flight handler is awaited). */
  async stop(): Promise<void> {
    this.abort.abort(new Error(`Consumer group ${this.deps.group} stopped`));
    await this.subscription?.close().catch(() => undefined);
    await this.loop;
  }

  private setState(state: ConsumerGroupState): void {
    if (this.current === state) return;
    this.current = state;
    this.deps.onStateChange();
  }

  private async run(): Promise<void> {
    const { signal } = this.abort;
    while (!signal.aborted) {
      try {
        await this.consumeFromCheckpoint(signal);
      } catch (error) {
        if (signal.aborted) break;
        this.setState('recovering');
        this.deps.logger.error(
          `Consumer group ${this.deps.group} failed; resubscribing from its checkpoint in ${this.deps.restartDelayMs} ms`,
          error instanceof Error ? error.stack : String(error),
        );
        this.deps.onError(error);
        try {
          await this.deps.clock.sleep(this.deps.restartDelayMs, signal);
        } catch {
          break;
        }
      }
    }
    this.setState('stopped');
  }

  private async consumeFromCheckpoint(signal: AbortSignal): Promise<void> {
    const { group, eventTypes, eventStore, state } = this.deps;
    const checkpoint = await state.loadCheckpoint(group);
    if (signal.aborted) return;
    const subscription = eventStore.subscribe({ fromPosition: checkpoint, filter: { eventTypes } });
    this.subscription = subscription;
    const events = subscription[Symbol.asyncIterator]();
    this.setState('running');
    try {
      for (;;) {
        // Racing the stop signal: a subscription waiting for live events must not hold up close().
        const pending = events.next();
        // Whoever loses the race is never awaited; its failure (store closed meanwhile) is moot.
        pending.catch(() => undefined);
        const next = await Promise.race([pending, this.stopped]);
        if (next === STOPPED) return;
        if (next.done) throw new Error(`Subscription of consumer group ${group} ended unexpectedly`);
        const event = next.value;
        const result = await this.deps.consume(event, signal);
        if (result === 'aborted') return;
        // Only now: the event was handled or parked, so skipping it on restart loses nothing.
        await state.saveCheckpoint(group, event.globalPosition);
      }
    } finally {
      this.subscription = undefined;
      await subscription.close().catch(() => undefined);
    }
  }
}
