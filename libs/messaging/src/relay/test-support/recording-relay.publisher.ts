// Test support (not exported, not built): a RelayPublisher that records what the "broker" acknowledged.
import type { RecordedEvent } from '@ticketing/event-store';
import { EVENT_HEADERS, readHeader } from '../../kafka/kafka-message.codec';
import type { RelayPublisher, RelayTopicMessages } from '../relay.ports';

export type Published = Readonly<{ topic: string; key: string; type: string; eventId: string; position: number; event: RecordedEvent }>;

type Failure = Readonly<{ error: unknown; written: boolean }>;

export class RecordingRelayPublisher implements RelayPublisher {
  /** Every message the broker stored, in order (a failed publish may have stored some: `written`). */
  readonly log: Published[] = [];
  /** Sizes of the publish calls that were acknowledged. */
  readonly batches: number[] = [];
  attempts = 0;
  closed = false;
  private failures: Failure[] = [];
  private holds: Array<() => Promise<void>> = [];

  /** The next publishes fail; `written`: the broker stored the messages but the acknowledgement was lost. */
  failNext(count: number, error: unknown = new Error('broker unavailable'), written = false): void {
    for (let i = 0; i < count; i++) this.failures.push({ error, written });
  }

  /** The next publish waits for `gate` before it is acknowledged (or fails, if the gate rejects). */
  holdNext(gate: () => Promise<void>): void {
    this.holds.push(gate);
  }

  positions(): number[] {
    return this.log.map((p) => p.position);
  }

  async publish(batch: readonly RelayTopicMessages[]): Promise<void> {
    this.attempts++;
    const failure = this.failures.shift();
    if (failure && !failure.written) throw failure.error;
    for (const { topic, messages } of batch) {
      for (const message of messages) {
        const event = JSON.parse(String(message.value)) as RecordedEvent;
        this.log.push({
          topic,
          key: String(message.key),
          type: readHeader(message.headers, EVENT_HEADERS.eventType) ?? '',
          eventId: readHeader(message.headers, EVENT_HEADERS.eventId) ?? '',
          position: Number(readHeader(message.headers, EVENT_HEADERS.globalPosition)),
          event,
        });
      }
    }
    if (failure) throw failure.error;
    const hold = this.holds.shift();
    if (hold) await hold();
    this.batches.push(batch.reduce((n, t) => n + t.messages.length, 0));
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** Gap-free and in order per key, duplicates allowed: what the relay promises consumers. */
export function firstOccurrences(log: readonly Published[]): Published[] {
  const seen = new Set<string>();
  return log.filter((p) => (seen.has(p.eventId) ? false : (seen.add(p.eventId), true)));
}
