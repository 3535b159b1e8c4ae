import type { EventStore, RecordedEvent } from '@ticketing/event-store';
import { type Clock, NotFoundError, SystemClock } from '@ticketing/kernel';
import type { AnyProjectionDefinition } from './projection';
import {
  type ProjectionLogger,
  type ProjectionStatus,
  ProjectionWorker,
  type RetryPolicy,
} from './projection.worker';
import type { ReadStore } from './read-store.factory';

export type ProjectionRunnerOptions = Readonly<{
  readStore: ReadStore;
  eventStore: EventStore;
  projections: readonly AnyProjectionDefinition[];
  /** Drives retry back-off; default SystemClock. Tests pass a ManualClock. */
  clock?: Clock;
  /** Most events per transaction, default 500. */
  batchSize?: number;
  /** Events per readAll page while rebuilding, default 2000. */
  replayPageSize?: number;
  /** Default: 5 attempts, back-off 100 ms doubling up to 5 s. */
  retry?: Partial<RetryPolicy>;
  logger?: ProjectionLogger;
}>;

export type WaitOptions = Readonly<{
  /** Projections to wait for; default all. */
  projections?: readonly string[];
  /** Give up (reject with the signal's reason), e.g. `AbortSignal.timeout(2000)` in an HTTP handler. */
  signal?: AbortSignal;
}>;

export type CaughtUpOptions = Pick<WaitOptions, 'signal'> & Readonly<{ written?: WrittenEvent }>;

/** Where the awaited event was written and what it is: enough to tell whether a projection takes it. */
export type WrittenEvent = Pick<RecordedEvent, 'streamName' | 'type'>;

/** DI token for the ProjectionRunner. */
export const PROJECTION_RUNNER = Symbol('ProjectionRunner');

const silent: ProjectionLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

const defaultRetry: RetryPolicy = {
  maxAttempts: 5,
  backoffMs: (attempt) => Math.min(5_000, 100 * 2 ** (attempt - 1)),
};

/**
 * Keeps projections up to date from the event store (docs/architecture.md §6). Per projection: migrate (or rebuild
 * when its version changed), then follow a catch-up subscription from its checkpoint, committing each
 * batch's rows and the checkpoint in one transaction. A projection that cannot apply an event retries,
 * then records the failure and stops — it never skips an event.
 */
export class ProjectionRunner {
  private readonly workers = new Map<string, ProjectionWorker>();
  private started = false;

  constructor(options: ProjectionRunnerOptions) {
    const batchSize = options.batchSize ?? 500;
    const replayPageSize = options.replayPageSize ?? 2_000;
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be ≥ 1, got ${batchSize}`);
    if (!Number.isSafeInteger(replayPageSize) || replayPageSize < 1) {
      throw new Error(`replayPageSize must be ≥ 1, got ${replayPageSize}`);
    }
    const retry: RetryPolicy = { ...defaultRetry, ...options.retry };
    if (!Number.isSafeInteger(retry.maxAttempts) || retry.maxAttempts < 1) {
      throw new Error(`retry.maxAttempts must be ≥ 1, got ${retry.maxAttempts}`);
    }
    const owners = new Map<string, string>();
    for (const definition of options.projections) {
      if (this.workers.has(definition.name)) throw new Error(`Projection ${definition.name} is registered twice`);
      for (const table of definition.tables) {
        const owner = owners.get(table);
        if (owner) throw new Error(`Table ${table} is claimed by projections ${owner} and ${definition.name}`);
        owners.set(table, definition.name);
      }
      this.workers.set(
        definition.name,
        new ProjectionWorker(definition, {
          readStore: options.readStore,
          eventStore: options.eventStore,
          clock: options.clock ?? new SystemClock(),
          batchSize,
          replayPageSize,
          retry,
          logger: options.logger ?? silent,
        }),
      );
    }
  }

  get projectionNames(): string[] {
    return [...this.workers.keys()];
  }

  /** The checkpoint of `name` as this process last committed or read it (no I/O); undefined when it does not run here. */
  checkpointOf(name: string): number | undefined {
    return this.workers.get(name)?.position;
  }

  /**
   * Starts every projection. Resolves once each has migrated its tables (a version bump has reset them
   * and its replay is under way) or has failed; catching up continues in the background.
   */
  async start(): Promise<void> {
    this.started = true;
    await Promise.all([...this.workers.values()].map((worker) => worker.start()));
  }

  /** Stops every projection after its batch in flight. */
  async stop(): Promise<void> {
    this.started = false;
    await Promise.all([...this.workers.values()].map((worker) => worker.stop()));
  }

  /** Retries a failed (or stopped) projection from its checkpoint, e.g. after fixing the cause. */
  async restart(name: string): Promise<void> {
    const worker = this.worker(name);
    await worker.stop();
    worker.clearFailure();
    if (this.started) await worker.start();
  }

  /**
   * Drops the projection's tables (all projections when `name` is omitted), resets its checkpoint,
   * re-migrates and replays it from the event store; if the runner is started it then follows the log
   * again. Rejects with ProjectionFailedError (or an AggregateError of them) if a replay stopped at an
   * event; the other projections are still rebuilt.
   */
  async rebuild(name?: string): Promise<void> {
    const targets = name === undefined ? [...this.workers.values()] : [this.worker(name)];
    const errors: unknown[] = [];
    for (const worker of targets) {
      try {
        await worker.rebuild();
        if (this.started) await worker.start();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} projections failed to rebuild`);
  }

  /**
   * Rebuilds one projection of a started runner without stopping it (e.g. after an erasure): its
   * tables are dropped and replayed while readers waiting for a position keep waiting, then it
   * follows the log again. Resolves once the tables were reset; on a runner not started it is
   * `rebuild(name)`.
   */
  async resetInPlace(name: string): Promise<void> {
    const worker = this.worker(name);
    if (!this.started) return this.rebuild(name);
    await worker.resetInPlace();
  }

  /**
   * Resolves when the projection has applied every event it cares about up to global `position` (e.g.
   * the `lastGlobalPosition` of an append, for read-your-writes). Woken by commits, not by polling.
   * Rejects with ProjectionFailedError / ProjectionStoppedError, or when `signal` aborts; RangeError
   * when `position` is beyond the event store's head. `written` names the event at `position` when the
   * caller knows it (its own append): if the projection takes that event, the log need not be probed.
   */
  caughtUpTo(name: string, position: number, options: CaughtUpOptions = {}): Promise<void> {
    return this.worker(name).caughtUpTo(position, options.signal, options.written);
  }

  /**
   * `caughtUpTo` bounded by `timeoutMs`: true once caught up, false when it took longer or the
   * projection stopped. For reads after a write: the write is durable either way, a lagging read
   * model only makes the answer older.
   */
  async caughtUpWithin(name: string, position: number, timeoutMs: number, written?: WrittenEvent): Promise<boolean> {
    // Not AbortSignal.timeout: its timer outlives the wait and aborts for nobody later.
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), timeoutMs);
    try {
      await this.caughtUpTo(name, position, { signal: timeout.signal, written });
      return true;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /** `caughtUpTo` for several projections (default: all). */
  async waitFor(position: number, options: WaitOptions = {}): Promise<void> {
    const names = options.projections ?? this.projectionNames;
    await Promise.all(names.map((name) => this.caughtUpTo(name, position, options)));
  }

  /** Per projection: state, checkpoint, event store head, lag, and the failure that stopped it. */
  async status(): Promise<ProjectionStatus[]> {
    return Promise.all([...this.workers.values()].map((worker) => worker.status()));
  }

  private worker(name: string): ProjectionWorker {
    const worker = this.workers.get(name);
    if (!worker) {
      throw new NotFoundError(`Unknown projection "${name}"; known: ${this.projectionNames.join(', ') || 'none'}`, {
        projection: name,
      });
    }
    return worker;
  }
}

export type RebuildProjectionsOptions = ProjectionRunnerOptions &
  Readonly<{
    /** Projections to rebuild; default all. Unknown names fail before anything is dropped. */
    names?: readonly string[];
  }>;

/**
 * `ticketing projections rebuild [name]` from a separate process. Safe beside a running server: every
 * batch moves the checkpoint only from the position its writer last saw, so the server's runner sees
 * the reset, re-reads the checkpoint and resumes without applying anything twice (stopping the server
 * first is still faster — two processes racing waste work). A server still on an older version of the
 * projection refuses to write to it and reports `failed` until it is upgraded.
 */
export async function rebuildProjections(options: RebuildProjectionsOptions): Promise<ProjectionStatus[]> {
  const runner = new ProjectionRunner(options);
  const names = options.names && options.names.length > 0 ? options.names : runner.projectionNames;
  for (const name of names) {
    if (!runner.projectionNames.includes(name)) {
      throw new NotFoundError(`Unknown projection "${name}"; known: ${runner.projectionNames.join(', ') || 'none'}`, {
        projection: name,
      });
    }
  }
  const errors: unknown[] = [];
  for (const name of names) {
    await runner.rebuild(name).catch((error: unknown) => errors.push(error));
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, `${errors.length} projections failed to rebuild`);
  return (await runner.status()).filter((status) => names.includes(status.name));
}
