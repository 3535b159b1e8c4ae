import type { LoggerService } from '@nestjs/common';
import { assertNever, type Clock } from '@ticketing/kernel';
import type { EventStore, RecordedEvent } from '@ticketing/event-store';
import type { BusHandlerRegistry } from './bus-handler.registry';
import type { ConsumerStateStore } from './consumer-state.port';
import { describeError, type DeadLetterError, type DeadLetterRecord } from './dead-letter';
import { deliverWithRetry, type InvokeBusHandler } from './event-delivery';
import type { RetryPolicy } from './retry.policy';

export type ReplayOutcome = 'replayed' | 'failed' | 'not_found' | 'skipped';

export type ReplayResult = Readonly<{
  /** Dead-letter id. */
  id: string;
  outcome: ReplayOutcome;
  group?: string;
  position?: number;
  eventType?: string;
  attempts?: number;
  /** The new error of a `failed` replay. */
  error?: DeadLetterError;
  /** Why a record was not replayed at all (`not_found`, `skipped`). */
  reason?: string;
}>;

export type ReplayOptions = Readonly<{
  /** Replay only this group's parked events. */
  group?: string;
  /** Replay only these dead letters (dead-letter ids, not event ids). */
  ids?: readonly string[];
}>;

export type DeadLetterReplayerDeps = Readonly<{
  registry: BusHandlerRegistry;
  eventStore: EventStore;
  state: ConsumerStateStore;
  clock: Clock;
  policy: RetryPolicy;
  invoke: InvokeBusHandler;
  logger: LoggerService;
}>;

/**
 * Re-delivers parked events once to their group's handlers. The event is read back from the event
 * store (by id, from its stream) rather than from a copy in the dead-letter table: the store is the
 * immutable, hash-chained source of truth, and a copy would duplicate personal data and skip any
 * upcasting done at read time. Transport-neutral: any transport whose consumers have the event store.
 */
export class DeadLetterReplayer {
  constructor(private readonly deps: DeadLetterReplayerDeps) {}

  /**
   * In position order. Success marks a record replayed; failure keeps it parked with the new error
   * and one more attempt. Replayed events reach handlers out of their original order: that is
   * what handler idempotency and the operator's judgement are for.
   */
  async replay(options: ReplayOptions = {}): Promise<ReplayResult[]> {
    const { state } = this.deps;
    const results: ReplayResult[] = [];
    let records: DeadLetterRecord[] = [];
    if (options.ids) {
      for (const id of options.ids) {
        const record = await state.getParked(id);
        if (!record) results.push({ id, outcome: 'not_found', reason: 'no dead letter with this id' });
        else if (options.group !== undefined && record.group !== options.group) {
          results.push({ ...summary(record), outcome: 'skipped', reason: `belongs to group ${record.group}` });
        } else if (record.replayedAt !== null) {
          results.push({ ...summary(record), outcome: 'skipped', reason: `already replayed at ${record.replayedAt}` });
        } else records.push(record);
      }
    } else {
      records = await state.listParked({ group: options.group });
    }
    records.sort((a, b) => a.position - b.position || a.group.localeCompare(b.group));
    for (const record of records) results.push(await this.replayOne(record));
    return results;
  }

  private async replayOne(record: DeadLetterRecord): Promise<ReplayResult> {
    const { registry, state, clock, logger } = this.deps;
    const handlers = registry.handlersFor(record.group, record.eventType);
    if (handlers.length === 0) {
      return { ...summary(record), outcome: 'skipped', reason: `no handler for ${record.eventType} in group ${record.group}` };
    }
    const event = await this.readParkedEvent(record);
    if (!event) {
      return { ...summary(record), outcome: 'skipped', reason: `event ${record.eventId} not found at position ${record.position}` };
    }
    const outcome = await deliverWithRetry({
      event,
      group: record.group,
      handlers,
      policy: { ...this.deps.policy, maxAttempts: 1 },
      clock,
      firstAttempt: record.attempts + 1,
      invoke: this.deps.invoke,
    });
    switch (outcome.kind) {
      case 'delivered':
        await state.markReplayed(record.id, clock.now());
        logger.log(`${record.group}: replayed dead letter ${record.id} (${record.eventType} at ${record.position})`);
        return { ...summary(record), outcome: 'replayed', attempts: record.attempts + 1 };
      case 'exhausted': {
        const error = describeError(outcome.error);
        const updated = await state.park({
          ...record,
          attempts: record.attempts + 1,
          error,
          lastFailedAt: clock.now().toISOString(),
        });
        return { ...summary(updated), outcome: 'failed', error };
      }
      case 'aborted':
        // Replays run without an abort signal; kept for exhaustiveness.
        return { ...summary(record), outcome: 'skipped', reason: 'aborted' };
      default:
        return assertNever(outcome);
    }
  }

  /**
   * The parked event, found by id in its own stream. Not by `readAll({ fromPosition: position - 1 })`:
   * global positions are only dense on some stores (on EventStoreDB they are byte offsets, and
   * `position - 1` is no position at all), while a stream read works on every store.
   */
  private async readParkedEvent(record: DeadLetterRecord): Promise<RecordedEvent | undefined> {
    for await (const event of this.deps.eventStore.readStream(record.streamName)) {
      if (event.id === record.eventId) return event.globalPosition === record.position ? event : undefined;
    }
    return undefined;
  }
}

const summary = (record: DeadLetterRecord) => ({
  id: record.id,
  group: record.group,
  position: record.position,
  eventType: record.eventType,
  attempts: record.attempts,
});
