import { Inject, Injectable } from '@nestjs/common';
import { slaStreams } from '@ticketing/contracts';
import { EVENT_STORE, handleCommand, type EventStore } from '@ticketing/event-store';
import { deterministicId, systemActor, type EventMetadata } from '@ticketing/kernel';
import { slaClockDecider, type SlaClockCommand } from '@ticketing/sla-domain';

/** The SLA context acting on its own (clocks follow facts and timers, not people). */
export const SLA_ACTOR = systemActor('sla');

/** Runs clock commands on `sla-<ticketId>`: read, decide, append at the revision read (a concurrent writer makes it re-decide). */
@Injectable()
export class SlaClockCommands {
  constructor(@Inject(EVENT_STORE) private readonly eventStore: EventStore) {}

  /**
   * `causeId` derives the new events' ids: the same cause handled twice at once (a redelivery, two
   * replicas' timers) appends the same ids, and the loser re-reads and decides nothing.
   */
  async run(command: SlaClockCommand, cause: Readonly<{ causeId: string; correlationId: string; causationId: string; occurredAt: string }>): Promise<number> {
    const metadata: EventMetadata = {
      ticketId: command.data.ticketId,
      correlationId: cause.correlationId,
      causationId: cause.causationId,
      actor: SLA_ACTOR,
      occurredAt: cause.occurredAt,
    };
    const result = await handleCommand(this.eventStore, slaStreams.clock(command.data.ticketId), slaClockDecider, command, {
      metadata,
      eventId: (decided, index) => deterministicId(`${cause.causeId}:${decided.type}:${index}`),
      maxRetries: 10,
    });
    return result.newEvents.length;
  }
}
