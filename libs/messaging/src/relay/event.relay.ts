import { Logger, type LoggerService } from '@nestjs/common';
import type { Message } from 'kafkajs';
import { STREAM_PREFIXES, contextOfStream, topicOf as contractTopicOf, type ContextName } from '@ticketing/contracts';
import type { Clock } from '@ticketing/kernel';
import type { EventStore, EventSubscription, RecordedEvent } from '@ticketing/event-store';
import { describeError } from '../dead-letter';
import { encodeEvent } from '../kafka/kafka-message.codec';
import { backoffDelayMs, resolveRetryPolicy, type RetryPolicy } from '../retry.policy';
import type { RelayCheckpointStore, RelayPublisher, RelayTopicMessages } from './relay.ports';

/** Checkpoint name of a context's relay in the checkpoint store. */
export const relayCheckpointName = (context: ContextName): string => `relay.${context}`;

export type EventRelayOptions = Readonly<{
  eventStore: EventStore;
  publisher: RelayPublisher;
  checkpoints: RelayCheckpointStore;
  /** The contexts whose streams this relay publishes (its service's own). */
  contexts: readonly ContextName[];
  clock: Clock;
  /** Topic per context; default `ticketing.<context>.events`. */
  topicOf?: (context: ContextName) => string;
  /** Most events per publish (default 100): what the subscription has ready, up to this many. */
  batchSize?: number;
  /** Backoff between failed publishes; there is no last attempt, the relay retries until it is stopped. */
  retry?: Partial<Omit<RetryPolicy, 'maxAttempts'>>;
  /** Wait before re-subscribing after the event store or the checkpoint store failed (default 1000). */
  restartDelayMs?: number;
  logger?: LoggerService;
  onError?: (error: unknown) => void;
}>;

/**
 * `running`: subscribed and publishing; `retrying`: a publish failed and is retried (the checkpoint
 * does not move); `recovering`: the store failed and the relay re-subscribes from its checkpoint.
 */
export type EventRelayState = 'starting' | 'running' | 'retrying' | 'recovering' | 'stopped';

export type EventRelayStatus = Readonly<{
  contexts: readonly ContextName[];
  state: EventRelayState;
  /** Lowest checkpoint of its contexts: everything up to it was acknowledged by the broker. */
  checkpoint: number;
  head: number;
  /** Global positions between checkpoint and head; 0 when none of them is in the relay's streams. */
  lag: number;
  /** Events published by this instance (duplicates after a restart included). */
  published: number;
  lastError: string | null;
}>;

const STOPPED = Symbol('stopped');
const DRAINED = Symbol('drained');

/**
 * The relay event store → Kafka (docs/architecture.md §5, "the event store is the outbox"): subscribes to its
 * contexts' stream categories from the checkpoint, publishes each event to its context topic
 * (key = the stream's entity id, `orderingKeyOf`; headers for type, id, correlation, causation), and saves the checkpoint only
 * after the broker acknowledged the batch. A crash anywhere repeats at most the batch in flight:
 * duplicates are possible, gaps are not; consumers are idempotent.
 *
 * Each context has its own checkpoint (`relay.<context>`), so contexts can move between relays
 * (one per service in production, one for all in `ticketing start`) without re-publishing what
 * a context's relay already published.
 */
export class EventRelay {
  private readonly abort = new AbortController();
  private readonly stopped: Promise<typeof STOPPED>;
  private readonly policy: RetryPolicy;
  private readonly topicOf: (context: ContextName) => string;
  private readonly logger: LoggerService;
  private loop: Promise<void> | undefined;
  private subscription: EventSubscription | undefined;
  private current: EventRelayState = 'starting';
  private published = 0;
  private lastError: string | null = null;

  constructor(private readonly options: EventRelayOptions) {
    if (options.contexts.length === 0) throw new Error('An event relay needs at least one context');
    const batchSize = options.batchSize ?? 100;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error('batchSize must be an integer >= 1');
    this.policy = resolveRetryPolicy({ ...options.retry, maxAttempts: 1 });
    this.topicOf = options.topicOf ?? contractTopicOf;
    this.logger = options.logger ?? new Logger(EventRelay.name);
    this.stopped = new Promise((resolve) => this.abort.signal.addEventListener('abort', () => resolve(STOPPED), { once: true }));
  }

  get state(): EventRelayState {
    return this.current;
  }

  /** Subscribed and publishing: false while a publish is being retried or the store is recovering. */
  isHealthy(): boolean {
    return this.current === 'running';
  }

  start(): void {
    this.loop ??= this.run();
  }

  /**
   * Stop relaying; resolves once the loop ended. A publish in flight is awaited and, if the
   * broker acknowledged it, checkpointed; a pending retry is abandoned (published again next start).
   * The publisher is not closed: its owner closes it after this.
   */
  async stop(): Promise<void> {
    this.abort.abort(new Error('Event relay stopped'));
    await this.subscription?.close().catch(() => undefined);
    await this.loop;
    this.current = 'stopped';
  }

  async status(): Promise<EventRelayStatus> {
    const { eventStore, checkpoints, contexts } = this.options;
    const [head, positions] = await Promise.all([
      eventStore.headPosition(),
      Promise.all(contexts.map((context) => checkpoints.loadCheckpoint(relayCheckpointName(context)))),
    ]);
    const checkpoint = Math.min(...positions);
    let pending = false;
    for await (const _event of eventStore.readAll({ fromPosition: checkpoint, filter: this.filter(), max: 1 })) pending = true;
    return {
      contexts,
      state: this.current,
      checkpoint,
      head,
      lag: pending ? Math.max(0, head - checkpoint) : 0,
      published: this.published,
      lastError: this.lastError,
    };
  }

  private filter() {
    return { streamPrefixes: this.options.contexts.flatMap((context) => STREAM_PREFIXES[context]) };
  }

  private setState(state: EventRelayState): void {
    this.current = state;
  }

  private async run(): Promise<void> {
    const { signal } = this.abort;
    while (!signal.aborted) {
      try {
        await this.relayFromCheckpoint(signal);
      } catch (error) {
        if (signal.aborted) break;
        this.setState('recovering');
        this.fail(error, `Event relay (${this.options.contexts.join(', ')}) failed; re-subscribing from its checkpoint`);
        try {
          await this.options.clock.sleep(this.options.restartDelayMs ?? 1_000, signal);
        } catch {
          break;
        }
      }
    }
    this.setState('stopped');
  }

  private async relayFromCheckpoint(signal: AbortSignal): Promise<void> {
    const { contexts, checkpoints, eventStore } = this.options;
    const batchSize = this.options.batchSize ?? 100;
    const reached = new Map<ContextName, number>();
    for (const context of contexts) reached.set(context, await checkpoints.loadCheckpoint(relayCheckpointName(context)));
    if (signal.aborted) return;
    const subscription = eventStore.subscribe({ fromPosition: Math.min(...reached.values()), filter: this.filter() });
    this.subscription = subscription;
    const events = subscription[Symbol.asyncIterator]();
    this.setState('running');
    let pending = this.next(events);
    try {
      for (;;) {
        const first = await Promise.race([pending, this.stopped]);
        if (first === STOPPED) return;
        const batch = [this.valueOf(first)];
        pending = this.next(events);
        while (batch.length < batchSize) {
          // Whatever the subscription yields before the event loop turns over is "ready now".
          const next = await Promise.race([pending, drained()]);
          if (next === DRAINED) break;
          batch.push(this.valueOf(next));
          pending = this.next(events);
        }
        // A context whose own checkpoint is past an event published it already (under another relay).
        const fresh = batch.filter((event) => event.globalPosition > (reached.get(this.contextOf(event)) ?? 0));
        if (fresh.length > 0 && !(await this.publish(fresh, signal))) return;
        // Only now, after the broker's acknowledgement: a crash before this line republishes the batch.
        const last = batch[batch.length - 1].globalPosition;
        for (const context of contexts) {
          await checkpoints.saveCheckpoint(relayCheckpointName(context), last);
          reached.set(context, last);
        }
        this.published += fresh.length;
      }
    } finally {
      this.subscription = undefined;
      await subscription.close().catch(() => undefined);
    }
  }

  /** Publish until acknowledged; false when stopped while waiting to retry. */
  private async publish(events: readonly RecordedEvent[], signal: AbortSignal): Promise<boolean> {
    const batch = this.toTopicMessages(events);
    for (let failures = 0; ; ) {
      try {
        await this.options.publisher.publish(batch);
        if (failures > 0) this.logger.log(`Event relay (${this.options.contexts.join(', ')}) publishing again`);
        this.setState('running');
        return true;
      } catch (error) {
        failures++;
        const delayMs = backoffDelayMs(this.policy, failures);
        this.setState('retrying');
        this.fail(
          error,
          `Event relay (${this.options.contexts.join(', ')}) could not publish positions ` +
            `${events[0].globalPosition}-${events[events.length - 1].globalPosition} (attempt ${failures}); retrying in ${delayMs} ms`,
        );
        try {
          await this.options.clock.sleep(delayMs, signal);
        } catch {
          return false;
        }
      }
    }
  }

  private toTopicMessages(events: readonly RecordedEvent[]): RelayTopicMessages[] {
    const byTopic = new Map<string, Message[]>();
    for (const event of events) {
      const topic = this.topicOf(this.contextOf(event));
      let messages = byTopic.get(topic);
      if (!messages) byTopic.set(topic, (messages = []));
      messages.push(encodeEvent(event));
    }
    return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
  }

  private contextOf(event: RecordedEvent): ContextName {
    const context = contextOfStream(event.streamName);
    if (context === undefined || !this.options.contexts.includes(context)) {
      // The subscription's filter selects the relay's prefixes only; anything else is a store bug.
      throw new Error(`Event ${event.id} of stream ${event.streamName} belongs to none of ${this.options.contexts.join(', ')}`);
    }
    return context;
  }

  private next(events: AsyncIterator<RecordedEvent>): Promise<IteratorResult<RecordedEvent>> {
    const pending = events.next();
    // Raced against stop: if stop wins, this one is never awaited and its failure (store closed) is moot.
    pending.catch(() => undefined);
    return pending;
  }

  private valueOf(result: IteratorResult<RecordedEvent>): RecordedEvent {
    if (result.done) throw new Error(`The subscription of the event relay (${this.options.contexts.join(', ')}) ended unexpectedly`);
    return result.value;
  }

  private fail(error: unknown, message: string): void {
    this.lastError = describeError(error).message;
    this.logger.error(`${message}: ${this.lastError}`, error instanceof Error ? error.stack : undefined);
    try {
      this.options.onError?.(error);
    } catch (hookError) {
      this.logger.error('onError of the event relay threw', hookError instanceof Error ? hookError.stack : hookError);
    }
  }
}

function drained(): Promise<typeof DRAINED> {
  return new Promise((resolve) => setImmediate(() => resolve(DRAINED)));
}
