import type { LoggerService } from '@nestjs/common';
import { orderingKeyOf } from '@ticketing/contracts';
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
  /**
   * Events handled at once, each entity's strictly in order (default 1: the whole log in order).
   * Above 1, events of different entities (tickets, agents…) overlap, so their writes can share the store's commits.
   */
  maxConcurrency?: number;
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
    // Once stopping, an event still queued behind its stream is not started: it stays unacknowledged and comes again.
    const window = new InFlightWindow(
      this.deps.maxConcurrency ?? 1,
      (event) => (signal.aborted ? Promise.resolve<ConsumeResult>('aborted') : this.deps.consume(event, signal)),
      (position) => state.saveCheckpoint(group, position),
    );
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
        if ((this.deps.maxConcurrency ?? 1) <= 1) {
          const result = await this.deps.consume(event, signal);
          if (result === 'aborted') return;
          // Only now: the event was handled or parked, so skipping it on restart loses nothing.
          await state.saveCheckpoint(group, event.globalPosition);
          continue;
        }
        if (!(await window.admit(event))) return;
      }
    } finally {
      this.subscription = undefined;
      await window.drain();
      await subscription.close().catch(() => undefined);
    }
  }
}

/**
 * What must stay in log order: the events of one entity (docs/architecture.md §5): a ticket's
 * across all its streams (`ticket-<id>`, `routing-<id>`, …), an agent's, a singleton stream's.
 */
const keyOf = (event: RecordedEvent): string => {
  const { entity, id } = orderingKeyOf(event.streamName);
  return `${entity}:${id}`;
};

/**
 * Up to `limit` events in flight, each entity's in log order, and a checkpoint that only ever
 * moves to the end of the prefix of the log whose every event was acknowledged, so a restart
 * redelivers whatever was still in flight and skips nothing.
 */
class InFlightWindow {
  private readonly tails = new Map<string, Promise<ConsumeResult>>();
  private readonly order: Array<{ position: number; done: boolean }> = [];
  private readonly running = new Set<Promise<unknown>>();
  private aborted = false;
  private failure: unknown;
  private saving: Promise<void> = Promise.resolve();
  private saveQueued = false;
  private acknowledgedTo = 0;

  constructor(
    private readonly limit: number,
    private readonly consume: (event: RecordedEvent) => Promise<ConsumeResult>,
    private readonly save: (position: number) => Promise<void>,
  ) {}

  /** Starts the event once there is room; false when the group must stop (an aborted handler). */
  async admit(event: RecordedEvent): Promise<boolean> {
    while (this.running.size >= this.limit && !this.aborted && this.failure === undefined) await Promise.race(this.running);
    if (this.failure !== undefined) throw this.failure;
    if (this.aborted) return false;
    const entry = { position: event.globalPosition, done: false };
    this.order.push(entry);
    const key = keyOf(event);
    const previous = this.tails.get(key) ?? Promise.resolve<ConsumeResult>('acknowledged');
    const task = previous.then((before) => (before === 'aborted' ? 'aborted' : this.consume(event)));
    this.tails.set(key, task);
    const tracked = task.then(
      (result) => {
        if (result === 'aborted') this.aborted = true;
        else this.acknowledge(entry);
      },
      (error: unknown) => {
        this.failure ??= error;
      },
    );
    this.running.add(tracked);
    void tracked.finally(() => {
      this.running.delete(tracked);
      if (this.tails.get(key) === task) this.tails.delete(key);
    });
    return true;
  }

  private acknowledge(entry: { done: boolean }): void {
    entry.done = true;
    let last: number | undefined;
    while (this.order.length > 0 && this.order[0].done) last = this.order.shift()!.position;
    if (last === undefined) return;
    this.acknowledgedTo = last;
    // Acknowledgements that arrive before the queued write starts ride on it: one write, the newest position.
    if (this.saveQueued) return;
    this.saveQueued = true;
    this.saving = this.saving
      .then(() => {
        this.saveQueued = false;
        return this.save(this.acknowledgedTo);
      })
      .catch((error: unknown) => {
        this.failure ??= error;
      });
  }

  /** Waits for every event in flight and the checkpoint writes they caused. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
    await this.saving;
  }
}
