import type { LoggerService } from '@nestjs/common';
import type { Clock } from '@ticketing/kernel';
import type { IdempotencyStore } from './idempotency.store';

/** How often expired keys are deleted; a key is free again at expiry whether or not it was deleted yet. */
export const IDEMPOTENCY_PRUNE_EVERY_MS = 3_600_000;

/**
 * Deletes the idempotency keys past their retention, at start and then every hour (or every
 * retention period, when shorter), so the key table holds about a day of writes instead of every
 * write ever made. Each process serving an API runs one; on a shared PostgreSQL read store the
 * replicas' deletes overlap harmlessly.
 */
export class IdempotencyKeyPruner {
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(
    private readonly options: Readonly<{ store: IdempotencyStore; clock: Clock; logger: LoggerService }>,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  /** One pass: the keys deleted. */
  async pruneOnce(): Promise<number> {
    const { store, clock, logger } = this.options;
    const deleted = await store.pruneExpired(clock.now());
    if (deleted > 0) logger.log?.(`deleted ${deleted} idempotency keys older than ${store.retentionMs / 3_600_000} h`);
    return deleted;
  }

  private async run(): Promise<void> {
    const { store, clock, logger } = this.options;
    const every = Math.min(IDEMPOTENCY_PRUNE_EVERY_MS, store.retentionMs);
    while (!this.abort.signal.aborted) {
      try {
        await this.pruneOnce();
      } catch (error) {
        // The next pass retries; until then an expired key is still treated as free when reused.
        logger.warn(`pruning idempotency keys failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      try {
        await clock.sleep(every, this.abort.signal);
      } catch {
        return;
      }
    }
  }
}
