import { ROOT_CONTEXT } from '@opentelemetry/api';
import { inSpan, traceLinksOf, type EventStore, type RecordedEvent } from '@ticketing/event-store';
import type { Clock } from '@ticketing/kernel';
import { abortable, ChangeSignal } from './change-signal';
import { matchesFilter, type AnyProjectionDefinition } from './projection';
import { commitBatch, prepareProjection, recordFailure } from './projection-checkpoint.repository';
import {
  ApplyError,
  CheckpointMovedError,
  ProjectionFailedError,
  type ProjectionFailure,
  ProjectionStoppedError,
  ProjectionVersionError,
} from './projection.errors';
import type { ReadStore } from './read-store.factory';

/**
 * - `idle`: never started; `starting`: migrating / re-reading its checkpoint; `rebuilding`: replaying
 *   from an empty projection; `running`: following the live log; `failed`: stopped at an event it could
 *   not apply (see `failure`); `stopped`: stopped on request.
 */
export type ProjectionState = 'idle' | 'starting' | 'rebuilding' | 'running' | 'failed' | 'stopped';

export type ProjectionStatus = Readonly<{
  name: string;
  version: number;
  state: ProjectionState;
  /** Global position of the last event applied (committed with the projection's rows). */
  checkpoint: number;
  /** Newest global position in the event store. */
  head: number;
  /**
   * Global positions not yet covered: 0 when no matching event is waiting, otherwise
   * head − (position of the first unapplied matching event) + 1.
   */
  lag: number;
  failure?: ProjectionFailure;
}>;

/** pino's `(object, message)` calling convention, so a pino logger fits as is. */
export interface ProjectionLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export type RetryPolicy = Readonly<{
  /** Attempts per event (or per failing batch) before the projection stops. */
  maxAttempts: number;
  /** Delay before attempt `attempt + 1`, on the injected Clock. */
  backoffMs(attempt: number): number;
}>;

export type WorkerSettings = Readonly<{
  readStore: ReadStore;
  eventStore: EventStore;
  clock: Clock;
  batchSize: number;
  replayPageSize: number;
  retry: RetryPolicy;
  logger: ProjectionLogger;
}>;

type Run = Readonly<{ abort: AbortController; done: Promise<void>; ready: Promise<void> }>;
/** `rebuild`: reset, replay, stop. `reset`: reset, replay, then follow (a rebuild of a running projection). */
type Mode = 'follow' | 'rebuild' | 'reset';

const NOT_READY = Symbol('not-ready');

/** Resolves with the iterator result if it is already there or arrives within this turn of the event loop. */
const ifImmediatelyAvailable = <T>(next: Promise<T>): Promise<T | typeof NOT_READY> =>
  Promise.race([next, new Promise<typeof NOT_READY>((resolve) => setImmediate(resolve, NOT_READY))]);

const describe = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/** Keeps one projection up to date: the loop, its batches, retries, checkpoint and waiters. */
export class ProjectionWorker {
  private stateValue: ProjectionState = 'idle';
  private positionValue = 0;
  /** Every matching event at or below this position is applied; probes may push it past `positionValue`. */
  private coveredUpTo = 0;
  /** Bumped whenever the position is reloaded, so a probe started before a reset cannot vouch for after it. */
  private epoch = 0;
  private failureValue: ProjectionFailure | undefined;
  private loopAttempts = 0;
  private run: Run | undefined;
  private readonly changed = new ChangeSignal();

  constructor(
    readonly definition: AnyProjectionDefinition,
    private readonly settings: WorkerSettings,
  ) {}

  get name(): string {
    return this.definition.name;
  }

  get state(): ProjectionState {
    return this.stateValue;
  }

  get position(): number {
    return this.positionValue;
  }

  get failure(): ProjectionFailure | undefined {
    return this.failureValue;
  }

  /** Follows the log from the checkpoint; resolves once the tables are ready (or the projection failed). */
  start(): Promise<void> {
    return (this.run ??= this.launch('follow')).ready;
  }

  /** Stops after the batch in flight (which commits or rolls back whole) and waits for it. */
  async stop(): Promise<void> {
    const run = this.run;
    if (!run) return;
    run.abort.abort(new ProjectionStoppedError(this.name));
    await run.done;
    this.run = undefined;
    if (this.stateValue !== 'failed') this.setState('stopped');
  }

  /** Stops, then drops the tables, re-migrates and replays via readAll; leaves the projection stopped. */
  async rebuild(): Promise<void> {
    await this.stop();
    this.failureValue = undefined;
    const run = (this.run = this.launch('rebuild'));
    await run.done;
    this.run = undefined;
    if (this.stateValue === 'failed' && this.failureValue) throw new ProjectionFailedError(this.failureValue);
    this.setState('stopped');
    if (run.abort.signal.aborted) throw new ProjectionStoppedError(this.name);
  }

  /**
   * Rebuilds a running projection without stopping it: its tables are dropped and replayed, then it
   * follows the log again; waiters keep waiting through it (they see `rebuilding`, never `stopped`).
   * Resolves once the tables were reset (the replay is under way).
   */
  async resetInPlace(): Promise<void> {
    const previous = this.run;
    if (previous) {
      previous.abort.abort(new ProjectionStoppedError(this.name));
      await previous.done;
    }
    this.failureValue = undefined;
    const run = (this.run = this.launch('reset'));
    await run.ready;
    if (this.stateValue === 'failed' && this.failureValue) throw new ProjectionFailedError(this.failureValue);
  }

  /** Forgets a failure so `start` tries again from the checkpoint. */
  clearFailure(): void {
    this.failureValue = undefined;
    if (this.stateValue === 'failed') this.setState('stopped');
  }

  /**
   * Resolves once every event at or below `position` that this projection cares about is committed.
   * Woken by commits, never by polling. Rejects when the projection fails or is stopped, and on `signal`.
   */
  async caughtUpTo(position: number, signal?: AbortSignal, written?: Pick<RecordedEvent, 'streamName' | 'type'>): Promise<void> {
    // The caller's own write, and one this projection takes: only the checkpoint reaching it will do.
    let waitUntil = written !== undefined && matchesFilter(this.definition.filter, written) ? position : 0;
    for (;;) {
      const changed = this.changed.next();
      if (this.positionValue >= position || this.coveredUpTo >= position) return;
      if (this.stateValue === 'failed' && this.failureValue) throw new ProjectionFailedError(this.failureValue);
      if (this.stateValue === 'stopped') throw new ProjectionStoppedError(this.name);
      if (this.stateValue === 'running' && this.positionValue >= waitUntil) {
        // Filtered projections never see the events of other streams, so the checkpoint may stop short of
        // `position` for good: ask the store whether anything relevant lies in between.
        const epoch = this.epoch;
        await this.assertInLog(position);
        const next = await this.firstUnapplied(this.positionValue);
        if (next === undefined || next > position) {
          if (epoch === this.epoch) this.coveredUpTo = Math.max(this.coveredUpTo, position);
          return;
        }
        // Usually the caller waits for its own write, an event this projection takes: then only the
        // checkpoint reaching it will do, and probing again after every commit on the way is waste.
        waitUntil = next === position || (await this.firstUnapplied(position - 1)) === position ? position : next;
      }
      await abortable(changed, signal);
    }
  }

  async status(): Promise<ProjectionStatus> {
    const head = await this.settings.eventStore.headPosition();
    const next = await this.firstUnapplied(this.positionValue);
    return {
      name: this.name,
      version: this.definition.version,
      state: this.stateValue,
      checkpoint: this.positionValue,
      head,
      lag: next === undefined ? 0 : Math.max(0, head - next + 1),
      ...(this.failureValue ? { failure: this.failureValue } : {}),
    };
  }

  private launch(mode: Mode): Run {
    const abort = new AbortController();
    let markReady!: () => void;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    const done = this.loop(mode, abort.signal, markReady).finally(markReady);
    return { abort, done, ready };
  }

  private async loop(mode: Mode, signal: AbortSignal, markReady: () => void): Promise<void> {
    let forceReset = mode !== 'follow';
    this.loopAttempts = 0;
    while (!signal.aborted) {
      try {
        this.setState(forceReset ? 'rebuilding' : 'starting');
        const prepared = await prepareProjection(this.settings.readStore, this.definition, {
          forceReset,
          now: this.now(),
        });
        forceReset = false;
        this.reload(prepared.position);
        if (prepared.migrated.length > 0) {
          this.settings.logger.info(
            { projection: this.name, version: this.definition.version, migrations: prepared.migrated, reset: prepared.reset },
            prepared.reset ? 'projection reset for rebuild' : 'projection migrated',
          );
        }
        markReady();
        if (prepared.reset || mode !== 'follow') {
          this.setState('rebuilding');
          await this.replay(signal);
          this.settings.logger.info({ projection: this.name, position: this.positionValue }, 'projection replayed');
        }
        if (mode === 'rebuild') return;
        this.setState('running');
        await this.follow(signal);
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof CheckpointMovedError) {
          // Someone else (a CLI rebuild, another replica) moved the checkpoint: re-read it and carry on.
          this.settings.logger.warn({ projection: this.name, expected: error.expected }, error.message);
          continue;
        }
        if (error instanceof ProjectionFailedError) return this.fail(error.failure);
        if (error instanceof ProjectionVersionError) return this.fail(this.failureOf(undefined, error, 1));
        this.loopAttempts += 1;
        if (this.loopAttempts >= this.settings.retry.maxAttempts) {
          const failure = this.failureOf(undefined, error, this.loopAttempts);
          await this.record(failure);
          return this.fail(failure);
        }
        this.settings.logger.warn(
          { projection: this.name, attempt: this.loopAttempts, error: describe(error) },
          'projection loop failed; retrying',
        );
        try {
          await this.settings.clock.sleep(this.settings.retry.backoffMs(this.loopAttempts), signal);
        } catch {
          return;
        }
      }
    }
  }

  /** Replays from the checkpoint with readAll, page by page, one transaction per batch. */
  private async replay(signal: AbortSignal): Promise<void> {
    const { eventStore, replayPageSize, batchSize } = this.settings;
    for (;;) {
      const page: RecordedEvent[] = [];
      for await (const event of eventStore.readAll({
        fromPosition: this.positionValue,
        filter: this.definition.filter,
        max: replayPageSize,
      })) {
        page.push(event);
      }
      if (page.length === 0) return;
      for (let start = 0; start < page.length; start += batchSize) {
        signal.throwIfAborted();
        await this.applyBatch(page.slice(start, start + batchSize), signal);
      }
    }
  }

  /**
   * Follows a catch-up subscription. A batch is whatever is already available, up to `batchSize`:
   * one event under light load (low latency), full batches under heavy load (few transactions).
   */
  private async follow(signal: AbortSignal): Promise<void> {
    const { eventStore, batchSize } = this.settings;
    const subscription = eventStore.subscribe({ fromPosition: this.positionValue, filter: this.definition.filter });
    const iterator = subscription[Symbol.asyncIterator]();
    let pending: Promise<IteratorResult<RecordedEvent>> | undefined;
    try {
      for (;;) {
        const first = await abortable((pending ??= iterator.next()), signal);
        pending = undefined;
        if (first.done) throw new Error('The event store subscription ended');
        const batch = [first.value];
        let ended = false;
        while (batch.length < batchSize) {
          pending = iterator.next();
          const next = await ifImmediatelyAvailable(pending);
          if (next === NOT_READY) break;
          pending = undefined;
          if (next.done) {
            ended = true;
            break;
          }
          batch.push(next.value);
        }
        await this.applyBatch(batch, signal);
        if (ended) throw new Error('The event store subscription ended');
      }
    } finally {
      pending?.catch(() => undefined);
      await subscription.close().catch(() => undefined);
    }
  }

  /** Applies a batch exactly once: already-applied events (redelivery) are dropped, the rest commit together. */
  private async applyBatch(batch: readonly RecordedEvent[], signal: AbortSignal): Promise<void> {
    const fresh: RecordedEvent[] = [];
    let last = this.positionValue;
    for (const event of batch) {
      if (event.globalPosition <= last) continue;
      fresh.push(event);
      last = event.globalPosition;
    }
    if (fresh.length === 0) return;
    // A batch serves many traces: its span links to each event's (at most 128), parented by none.
    await inSpan(
      `projection ${this.name}`,
      { links: traceLinksOf(fresh.map((event) => event.metadata?.traceparent)), attributes: { 'ticketing.projection': this.name, 'ticketing.events': fresh.length, 'ticketing.position': last } },
      () => this.commitWithRetry(fresh, signal),
      ROOT_CONTEXT,
    );
  }

  private async commitWithRetry(events: readonly RecordedEvent[], signal: AbortSignal): Promise<void> {
    const { retry, clock, logger } = this.settings;
    let rest = events;
    let attempts = 0;
    while (rest.length > 0) {
      try {
        await this.commit(rest);
        return;
      } catch (error) {
        if (error instanceof CheckpointMovedError || signal.aborted) throw error;
        // The transaction rolled back whole. When `apply` threw, the events before the culprit were fine:
        // commit them on their own next, so retries — and a final failure — pin the exact event.
        const index = error instanceof ApplyError ? error.index : 0;
        const cause = error instanceof ApplyError ? error.cause : error;
        attempts += 1;
        if (attempts >= retry.maxAttempts) {
          if (index > 0) await this.commitWithRetry(rest.slice(0, index), signal);
          const failure = this.failureOf(rest[index], cause, attempts);
          await this.record(failure);
          throw new ProjectionFailedError(failure);
        }
        logger.warn(
          { projection: this.name, eventId: rest[index].id, position: rest[index].globalPosition, attempt: attempts, error: describe(cause) },
          'projection batch failed; retrying',
        );
        await clock.sleep(retry.backoffMs(attempts), signal);
        if (index > 0) {
          await this.commitWithRetry(rest.slice(0, index), signal);
          rest = rest.slice(index);
        }
      }
    }
  }

  private async commit(events: readonly RecordedEvent[]): Promise<void> {
    const to = await commitBatch(this.settings.readStore, this.definition, this.positionValue, events, this.now());
    this.positionValue = to;
    this.coveredUpTo = Math.max(this.coveredUpTo, to);
    this.loopAttempts = 0;
    this.changed.notify();
  }

  /** Global position of the first matching event after `after`, if any. */
  private async firstUnapplied(after: number): Promise<number | undefined> {
    for await (const event of this.settings.eventStore.readAll({
      fromPosition: after,
      filter: this.definition.filter,
      max: 1,
    })) {
      return event.globalPosition;
    }
    return undefined;
  }

  /** A waiter must name a position already in the log; a later one could never be vouched for. */
  private async assertInLog(position: number): Promise<void> {
    const head = await this.settings.eventStore.headPosition();
    if (head < position) throw new RangeError(`Position ${position} is beyond the event store's head (${head})`);
  }

  private reload(position: number): void {
    this.positionValue = position;
    this.coveredUpTo = position;
    this.epoch += 1;
    this.changed.notify();
  }

  private setState(state: ProjectionState): void {
    this.stateValue = state;
    this.changed.notify();
  }

  private fail(failure: ProjectionFailure): void {
    this.failureValue = failure;
    this.settings.logger.error({ ...failure }, 'projection stopped: it will not skip an event');
    this.setState('failed');
  }

  private async record(failure: ProjectionFailure): Promise<void> {
    try {
      await recordFailure(this.settings.readStore, failure);
    } catch (error) {
      this.settings.logger.error({ projection: this.name, error: describe(error) }, 'could not record projection failure');
    }
  }

  private failureOf(event: RecordedEvent | undefined, cause: unknown, attempts: number): ProjectionFailure {
    return {
      projection: this.name,
      version: this.definition.version,
      position: event?.globalPosition ?? 0,
      eventId: event?.id ?? '',
      eventType: event?.type ?? '',
      streamName: event?.streamName ?? '',
      error: describe(cause),
      attempts,
      failedAt: this.now(),
    };
  }

  private now(): string {
    return this.settings.clock.now().toISOString();
  }
}
