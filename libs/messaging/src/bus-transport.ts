import type { CustomTransportStrategy } from '@nestjs/microservices';
import type { DeadLetterQuery, DeadLetterRecord } from './dead-letter';
import type { ReplayOptions, ReplayResult } from './dead-letter.replayer';
import type { ConsumerGroupStatus } from './embedded/embedded-bus.server';

/**
 * What the runtime (readiness, metrics) and the ops CLI (`bus status`, `dead-letters list|replay`)
 * use of a bus transport. `EmbeddedBusServer` and `KafkaBusServer` both provide it, so either can
 * be the process's bus.
 */
export interface BusTransport extends CustomTransportStrategy {
  /** Consumer groups with at least one handler, and the event types each consumes. */
  subscriptions(): ReadonlyMap<string, readonly string[]>;
  /** Every group is consuming; false before listen, while a group recovers, and after close. */
  isHealthy(): boolean;
  groupStatus(): Promise<ConsumerGroupStatus[]>;
  listDeadLetters(query?: DeadLetterQuery): Promise<DeadLetterRecord[]>;
  /** Needs the handlers registered (microservice initialised), not `listen`. */
  replayDeadLetters(options?: ReplayOptions): Promise<ReplayResult[]>;
  close(): Promise<void>;
}
