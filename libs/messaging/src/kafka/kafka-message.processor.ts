import type { LoggerService } from '@nestjs/common';
import type { EachMessagePayload, TopicPartitionOffsetAndMetadata } from 'kafkajs';
import { assertNever, newId, type Clock } from '@ticketing/kernel';
import type { RecordedEvent } from '@ticketing/event-store';
import type { BusHandler } from '../bus-handler.registry';
import { describeError, type DeadLetterRecord } from '../dead-letter';
import { deliverWithRetry, type InvokeBusHandler } from '../event-delivery';
import type { RetryPolicy } from '../retry.policy';
import { decodeDeadLetterEntry, encodeParked } from './kafka-dead-letter.codec';
import type { DeadLetterLog } from './kafka-dead-letter.log';
import { decodeEvent, EVENT_HEADERS, PoisonMessageError, readHeader } from './kafka-message.codec';
import { deadLetterTopicOf } from './kafka-topology';

/** The part of kafkajs's `eachMessage` payload the processor uses. */
export type ConsumedMessage = Pick<EachMessagePayload, 'topic' | 'partition' | 'message' | 'heartbeat'>;

/** `consumer.commitOffsets` of the consumer that fetched the message; offsets name the next message to read. */
export type CommitOffsets = (offsets: TopicPartitionOffsetAndMetadata[]) => Promise<void>;

/** `skipped`: no handler of the group wants the type; `parked`: dead-lettered, then committed. */
export type ProcessOutcome = 'delivered' | 'skipped' | 'parked';

/** Thrown out of `eachMessage` when the bus stops mid-delivery: nothing is committed, the message comes again. */
export class DeliveryAbortedError extends Error {
  override readonly name = 'DeliveryAbortedError';
}

export type KafkaMessageProcessorDeps = Readonly<{
  group: string;
  handlersFor: (eventType: string) => readonly BusHandler[];
  policy: RetryPolicy;
  clock: Clock;
  invoke: InvokeBusHandler;
  /** Opens personal data sealed in transit before handlers see the event. */
  reveal?: (event: RecordedEvent) => RecordedEvent | Promise<RecordedEvent>;
  deadLetters: Pick<DeadLetterLog, 'append'>;
  logger: LoggerService;
  /** Aborted when the bus closes: a pending backoff ends and the message is left uncommitted. */
  signal: AbortSignal;
  /**
   * Longest stretch of a retry backoff without a heartbeat to the group coordinator; keep it well
   * under the consumer's session timeout so a retrying member is not evicted (default 3000).
   */
  heartbeatIntervalMs?: number;
  newId?: () => string;
  onParked?: (record: DeadLetterRecord, event: RecordedEvent | undefined) => void | Promise<void>;
}>;

/**
 * One Kafka message's way through a consumer group, transport logic without the consumer loop:
 * dispatch by the `event-type` header to the group's handlers, retry with backoff on the clock,
 * dead-letter to `<topic>.dlq` when the retries run out, and commit the offset only after the
 * handlers succeeded or the dead-letter copy was acknowledged. kafkajs calls it for one message
 * of a partition at a time, so each partition (and with it each ticket) is processed in order.
 */
export class KafkaMessageProcessor {
  private readonly heartbeatIntervalMs: number;

  constructor(private readonly deps: KafkaMessageProcessorDeps) {
    this.heartbeatIntervalMs = deps.heartbeatIntervalMs ?? 3_000;
  }

  /**
   * Resolves once the message is committed. Rejects, leaving it uncommitted, when the bus is
   * closing (`DeliveryAbortedError`), when the dead-letter append or the commit failed, or when a
   * heartbeat reported a rebalance: kafkajs then fetches the message again (or its new owner does).
   */
  async process(payload: ConsumedMessage, commitOffsets: CommitOffsets): Promise<ProcessOutcome> {
    const { group, logger } = this.deps;
    const { topic, partition, message } = payload;
    const type = readHeader(message.headers, EVENT_HEADERS.eventType);
    if (type === undefined) {
      await this.park(payload, commitOffsets, 1, new PoisonMessageError(`Message has no ${EVENT_HEADERS.eventType} header`), undefined);
      return 'parked';
    }
    const handlers = this.deps.handlersFor(type);
    if (handlers.length === 0) {
      await commit(payload, commitOffsets);
      return 'skipped';
    }
    let event: RecordedEvent;
    try {
      event = decodeEvent(message.value, type);
    } catch (error) {
      if (!(error instanceof PoisonMessageError)) throw error;
      await this.park(payload, commitOffsets, 1, error, undefined);
      return 'parked';
    }
    const outcome = await deliverWithRetry({
      event,
      group,
      handlers,
      policy: this.deps.policy,
      clock: this.heartbeatingClock(payload),
      signal: this.deps.signal,
      invoke: this.deps.invoke,
      reveal: this.deps.reveal,
      onRetry: ({ attempt, delayMs, error }) =>
        logger.warn(
          `${group}: ${type} ${event.id} (${topic}/${partition}@${message.offset}) failed attempt ${attempt}/` +
            `${this.deps.policy.maxAttempts} (${describeError(error).message}); retrying in ${delayMs} ms`,
        ),
    });
    switch (outcome.kind) {
      case 'delivered':
        await commit(payload, commitOffsets);
        return 'delivered';
      case 'aborted':
        throw new DeliveryAbortedError(`${group}: stopped while delivering ${topic}/${partition}@${message.offset}; it will be delivered again`);
      case 'exhausted':
        await this.park(payload, commitOffsets, outcome.attempts, outcome.error, event);
        return 'parked';
      default:
        return assertNever(outcome);
    }
  }

  private async park(
    payload: ConsumedMessage,
    commitOffsets: CommitOffsets,
    attempts: number,
    error: unknown,
    event: RecordedEvent | undefined,
  ): Promise<void> {
    const { group, logger } = this.deps;
    const { topic, partition, message } = payload;
    const parked = encodeParked({
      id: (this.deps.newId ?? newId)(),
      group,
      attempts,
      error: describeError(error),
      at: this.deps.clock.now(),
      source: { topic, partition, message },
      fallbackHeaders: event && {
        [EVENT_HEADERS.eventType]: event.type,
        [EVENT_HEADERS.eventId]: event.id,
        [EVENT_HEADERS.globalPosition]: String(event.globalPosition),
        [EVENT_HEADERS.streamName]: event.streamName,
      },
    });
    const deadLetterTopic = deadLetterTopicOf(topic);
    // The commit waits for the broker's acknowledgement of the copy: a crash in between parks
    // the message twice (listing folds the copies into one record), never zero times.
    await this.deps.deadLetters.append(deadLetterTopic, [parked]);
    await commit(payload, commitOffsets);
    const entry = decodeDeadLetterEntry({
      topic: deadLetterTopic,
      partition: 0,
      offset: '0',
      key: parked.key ?? null,
      value: parked.value,
      headers: parked.headers,
    });
    if (entry?.kind !== 'parked') return;
    logger.error(
      `${group}: parked ${entry.record.eventType || '(untyped message)'} ${entry.record.eventId} from ${topic}/${partition}@${message.offset} ` +
        `after ${attempts} attempt(s) to ${deadLetterTopic} (dead letter ${entry.record.id}): ${entry.record.error.message}`,
    );
    try {
      await this.deps.onParked?.(entry.record, event);
    } catch (hookError) {
      logger.error(`onParked failed for ${entry.record.id}`, hookError instanceof Error ? hookError.stack : hookError);
    }
  }

  /**
   * The injected clock, with backoff sleeps cut into heartbeat-sized steps: the coordinator would
   * otherwise evict a member waiting out a long backoff and hand its partitions to another.
   * A heartbeat that reports a rebalance rejects the sleep, which ends the delivery with that error.
   */
  private heartbeatingClock(payload: ConsumedMessage): Clock {
    const { clock } = this.deps;
    const step = this.heartbeatIntervalMs;
    return {
      now: () => clock.now(),
      sleep: async (ms, signal) => {
        for (let remaining = ms; remaining > 0; remaining -= step) {
          await clock.sleep(Math.min(step, remaining), signal);
          await payload.heartbeat();
        }
      },
    };
  }
}

function commit({ topic, partition, message }: ConsumedMessage, commitOffsets: CommitOffsets): Promise<void> {
  return commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
}
