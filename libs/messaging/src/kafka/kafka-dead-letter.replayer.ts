import type { RecordedEvent } from '@ticketing/event-store';
import type { LoggerService } from '@nestjs/common';
import { assertNever, type Clock } from '@ticketing/kernel';
import type { BusHandlerRegistry } from '../bus-handler.registry';
import { describeError, type DeadLetterError, type DeadLetterQuery, type DeadLetterRecord } from '../dead-letter';
import type { ReplayOptions, ReplayResult } from '../dead-letter.replayer';
import { deliverWithRetry, type InvokeBusHandler } from '../event-delivery';
import type { RetryPolicy } from '../retry.policy';
import { decodeDeadLetterEntry, encodeMarker } from './kafka-dead-letter.codec';
import type { DeadLetterLog } from './kafka-dead-letter.log';
import { decodeEvent, PoisonMessageError } from './kafka-message.codec';

export type KafkaDeadLetterReplayerDeps = Readonly<{
  log: DeadLetterLog;
  /** The dead-letter topics to read. */
  topics: () => readonly string[];
  registry: BusHandlerRegistry;
  clock: Clock;
  policy: RetryPolicy;
  invoke: InvokeBusHandler;
  /** Opens personal data sealed in transit before handlers see the event. */
  reveal?: (event: RecordedEvent) => RecordedEvent | Promise<RecordedEvent>;
  logger: LoggerService;
}>;

/** A dead letter as folded from its topic, with what replaying it needs. */
type Folded = {
  record: DeadLetterRecord;
  topic: string;
  key: Buffer | string | null;
  value: Buffer | string | null;
};

/**
 * Lists and replays the Kafka bus's dead letters with the embedded bus's semantics
 * (`EmbeddedBusServer.listDeadLetters` / `replayDeadLetters`), so the ops CLI works on either.
 *
 * The dead-letter topics are append-only: a record's later state (replayed, failed again) is a
 * marker entry with the same key, folded over the parked copy in offset order. A message parked
 * twice by one group (a crash between the copy's acknowledgement and the commit) folds into one
 * record, like the embedded store's one record per group and event. Unlike the embedded bus, the
 * event replayed is the copy in the dead-letter message: a consumer of another context's topic
 * does not necessarily have that context's event store.
 */
export class KafkaDeadLetterReplayer {
  constructor(private readonly deps: KafkaDeadLetterReplayerDeps) {}

  /** In position order, then group; by default only records not replayed yet. Reads every dead-letter topic. */
  async list(query: DeadLetterQuery = {}): Promise<DeadLetterRecord[]> {
    const records = unique(await this.load())
      .map((folded) => folded.record)
      .filter((record) => (query.group === undefined || record.group === query.group) && (query.includeReplayed || record.replayedAt === null))
      .sort(byPosition);
    return query.limit === undefined || query.limit < 0 ? records : records.slice(0, query.limit);
  }

  /** Same selection and outcomes as the embedded `DeadLetterReplayer.replay`. */
  async replay(options: ReplayOptions = {}): Promise<ReplayResult[]> {
    const loaded = await this.load();
    const results: ReplayResult[] = [];
    let selected: Folded[] = [];
    if (options.ids) {
      for (const id of options.ids) {
        const folded = loaded.get(id);
        if (!folded) results.push({ id, outcome: 'not_found', reason: 'no dead letter with this id' });
        else if (options.group !== undefined && folded.record.group !== options.group) {
          results.push({ ...summary(folded.record), outcome: 'skipped', reason: `belongs to group ${folded.record.group}` });
        } else if (folded.record.replayedAt !== null) {
          results.push({ ...summary(folded.record), outcome: 'skipped', reason: `already replayed at ${folded.record.replayedAt}` });
        } else selected.push(folded);
      }
    } else {
      selected = unique(loaded).filter(
        ({ record }) => record.replayedAt === null && (options.group === undefined || record.group === options.group),
      );
    }
    selected = [...new Set(selected)].sort((a, b) => byPosition(a.record, b.record));
    for (const folded of selected) results.push(await this.replayOne(folded));
    return results;
  }

  private async replayOne(folded: Folded): Promise<ReplayResult> {
    const { registry, clock, logger, log } = this.deps;
    const { record } = folded;
    const handlers = registry.handlersFor(record.group, record.eventType);
    if (handlers.length === 0) {
      return { ...summary(record), outcome: 'skipped', reason: `no handler for ${record.eventType || '(untyped message)'} in group ${record.group}` };
    }
    let event;
    try {
      event = decodeEvent(folded.value, record.eventType);
    } catch (error) {
      if (!(error instanceof PoisonMessageError)) throw error;
      return { ...summary(record), outcome: 'skipped', reason: `the parked message is not a bus event: ${error.message}` };
    }
    const outcome = await deliverWithRetry({
      event,
      group: record.group,
      handlers,
      policy: { ...this.deps.policy, maxAttempts: 1 },
      clock,
      firstAttempt: record.attempts + 1,
      invoke: this.deps.invoke,
      reveal: this.deps.reveal,
    });
    const attempts = record.attempts + 1;
    switch (outcome.kind) {
      case 'delivered':
        await log.append(folded.topic, [encodeMarker({ kind: 'replayed', record, key: folded.key, at: clock.now() })]);
        logger.log(`${record.group}: replayed dead letter ${record.id} (${record.eventType} at ${record.position})`);
        return { ...summary(record), outcome: 'replayed', attempts };
      case 'exhausted': {
        const error: DeadLetterError = describeError(outcome.error);
        await log.append(folded.topic, [encodeMarker({ kind: 'replay-failed', record, key: folded.key, at: clock.now(), attempts, error })]);
        return { ...summary(record), attempts, outcome: 'failed', error };
      }
      case 'aborted':
        // Replays run without an abort signal; kept for exhaustiveness.
        return { ...summary(record), outcome: 'skipped', reason: 'aborted' };
      default:
        return assertNever(outcome);
    }
  }

  /** Every dead letter by id; the ids of duplicate parkings map to the same (first) record. */
  private async load(): Promise<Map<string, Folded>> {
    const byId = new Map<string, Folded>();
    const byGroupAndEvent = new Map<string, Folded>();
    for (const logged of await this.deps.log.readAll(this.deps.topics())) {
      const entry = decodeDeadLetterEntry(logged);
      if (!entry) continue;
      switch (entry.kind) {
        case 'parked': {
          const sameEvent = entry.record.eventId === '' ? undefined : byGroupAndEvent.get(`${entry.record.group}|${entry.record.eventId}`);
          if (sameEvent) {
            sameEvent.record = {
              ...sameEvent.record,
              attempts: entry.record.attempts,
              error: entry.record.error,
              lastFailedAt: entry.record.lastFailedAt,
              replayedAt: null,
            };
            byId.set(entry.record.id, sameEvent);
            break;
          }
          const folded: Folded = { record: entry.record, topic: logged.topic, key: entry.key, value: entry.value };
          byId.set(entry.record.id, folded);
          if (entry.record.eventId !== '') byGroupAndEvent.set(`${entry.record.group}|${entry.record.eventId}`, folded);
          break;
        }
        case 'replayed': {
          const folded = byId.get(entry.id);
          if (folded) folded.record = { ...folded.record, replayedAt: entry.at };
          break;
        }
        case 'replay-failed': {
          const folded = byId.get(entry.id);
          if (folded) folded.record = { ...folded.record, attempts: entry.attempts, error: entry.error, lastFailedAt: entry.at };
          break;
        }
        default:
          assertNever(entry);
      }
    }
    return byId;
  }
}

const unique = (byId: ReadonlyMap<string, Folded>): Folded[] => [...new Set(byId.values())];

const byPosition = (a: DeadLetterRecord, b: DeadLetterRecord) => a.position - b.position || a.group.localeCompare(b.group);

const summary = (record: DeadLetterRecord) => ({
  id: record.id,
  group: record.group,
  position: record.position,
  eventType: record.eventType,
  attempts: record.attempts,
});
