import type { DeadLetterQuery, DeadLetterRecord } from './dead-letter';

/**
 * Where consumer groups keep their progress and their parked events. The embedded bus keeps it
 * in the SQLite file of the event store; a Kafka transport keeps offsets in the broker but may
 * still use the dead-letter half.
 */
export interface ConsumerStateStore {
  /** Global position of the last event the group is done with; 0 when it never ran. */
  loadCheckpoint(group: string): Promise<number>;
  /** Move the checkpoint forward; a position behind the stored one is ignored (never rewinds). */
  saveCheckpoint(group: string, position: number): Promise<void>;
  /** Set the checkpoint to any position, backwards included: the explicit way to re-consume. */
  resetCheckpoint(group: string, position: number): Promise<void>;
  /**
   * Park an event, or update the record of one already parked for the same group and event id
   * (a redelivery after a crash, a failed replay): one record per group and event.
   * Returns the stored record, whose `id` and `parkedAt` are those of the first parking.
   */
  park(record: DeadLetterRecord): Promise<DeadLetterRecord>;
  /** Records in position order; by default only those not yet replayed. */
  listParked(query?: DeadLetterQuery): Promise<DeadLetterRecord[]>;
  getParked(id: string): Promise<DeadLetterRecord | undefined>;
  markReplayed(id: string, at: Date): Promise<void>;
  /** Parked (not replayed) events per group. */
  countParked(): Promise<ReadonlyMap<string, number>>;
  close(): Promise<void>;
}

/** DI token for the ConsumerStateStore port. */
export const CONSUMER_STATE_STORE = Symbol('ConsumerStateStore');
