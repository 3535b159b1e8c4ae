import type { Message } from 'kafkajs';
import type { ConsumerStateStore } from '../consumer-state.port';

/** Messages for one topic, in the order they must be appended. */
export type RelayTopicMessages = Readonly<{ topic: string; messages: readonly Message[] }>;

/**
 * Where the relay publishes. A port so the relay's guarantees are testable without a broker.
 */
export interface RelayPublisher {
  /**
   * Resolves only once the broker acknowledged every message (acks=all); rejects otherwise, and
   * then some of them may have been written (the relay publishes them again: duplicates, no gaps).
   * Messages of one topic and key are appended in the order given.
   */
  publish(batch: readonly RelayTopicMessages[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Where the relay keeps its checkpoint (the global position of the last event the broker
 * acknowledged). Any ConsumerStateStore qualifies: the SQLite one keeps it in the event store's
 * own file, beside the bus checkpoints.
 */
export type RelayCheckpointStore = Pick<ConsumerStateStore, 'loadCheckpoint' | 'saveCheckpoint'>;
