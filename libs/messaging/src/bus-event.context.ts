import { BaseRpcContext } from '@nestjs/microservices';
import type { RecordedEvent } from '@ticketing/event-store';

type BusEventContextArgs = [envelope: RecordedEvent, group: string, attempt: number];

/**
 * What a bus handler gets as `@Ctx()`, whichever transport delivered the event: the envelope
 * (metadata, stream, global position), the consumer group and the 1-based delivery attempt.
 */
export class BusEventContext extends BaseRpcContext<BusEventContextArgs> {
  constructor(envelope: RecordedEvent, group: string, attempt: number) {
    super([envelope, group, attempt]);
  }

  /** The recorded event as stored, including metadata and hashes. */
  getEnvelope(): RecordedEvent {
    return this.args[0];
  }

  getGroup(): string {
    return this.args[1];
  }

  /** 1 on first delivery; greater on retries and replays. */
  getAttempt(): number {
    return this.args[2];
  }

  /** Global position of the event in the event store's log. */
  getPosition(): number {
    return this.args[0].globalPosition;
  }
}
