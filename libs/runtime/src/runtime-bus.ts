import type { CustomTransportStrategy } from '@nestjs/microservices';
import type {
  ConsumerGroupStatus,
  DeadLetterQuery,
  DeadLetterRecord,
  ReplayOptions,
  ReplayResult,
} from '@ticketing/messaging';

/**
 * What the runtime, health, metrics and the ops CLI need of a bus transport, whichever it is
 * (embedded or Kafka): a Nest transport strategy that dispatches `@EventPattern` handlers, plus
 * the status and dead-letter operations ops relies on.
 */
export interface RuntimeBus extends CustomTransportStrategy {
  /** Every consumer group consumes; false before listen and after close. */
  isHealthy(): boolean;
  groupStatus(): Promise<ConsumerGroupStatus[]>;
  listDeadLetters(query?: DeadLetterQuery): Promise<DeadLetterRecord[]>;
  replayDeadLetters(options?: ReplayOptions): Promise<ReplayResult[]>;
}

/**
 * The relay of one process (DESIGN.md §5): tails the event store for the streams of the contexts
 * it owns and publishes them to their Kafka topics. Absent on the embedded bus, where consumers
 * read the event store's log directly.
 */
export interface RuntimeRelay {
  start(): Promise<void>;
  /** Rejects when a context's relay stopped publishing (broker or event store lost for good). */
  check(): Promise<void>;
  close(): Promise<void>;
}
