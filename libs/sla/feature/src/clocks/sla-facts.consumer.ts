import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { CLOCK, type Clock } from '@ticketing/kernel';
import type { BusEvent } from '@ticketing/messaging';
import { SLA_FACT_EVENT_TYPES, slaCommandOf, type SlaFactEvent } from '@ticketing/sla-domain';
import { SlaPolicyStore } from '../policy/sla-policy.store';
import { SlaClockCommands } from './sla-clock.commands';

/** Consumer group of the SLA context on the bus. */
export const SLA_GROUP = 'sla';

/**
 * Moves each ticket's clocks with intake's and routing's events: opening, classification,
 * replies, waiting, progress, resolution, reopening, closing. Safe to receive an event twice or
 * late (each fact carries its own time; see the clock decider).
 */
@Controller()
export class SlaFactsConsumer {
  constructor(
    private readonly policies: SlaPolicyStore,
    private readonly commands: SlaClockCommands,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @EventPattern([...SLA_FACT_EVENT_TYPES], { group: SLA_GROUP })
  async follow(@Payload() event: BusEvent<SlaFactEvent>): Promise<void> {
    const command = slaCommandOf(event, await this.policies.environment(event.globalPosition));
    await this.commands.run(command, {
      causeId: event.id,
      correlationId: event.metadata.correlationId,
      causationId: event.id,
      occurredAt: this.clock.now().toISOString(),
    });
  }
}
