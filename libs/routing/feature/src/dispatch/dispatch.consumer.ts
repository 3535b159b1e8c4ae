import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { SlaBreached, SlaWarningIssued, TicketClosed, TicketMerged, TicketReleasedFromAgent, TicketReopened, TicketResolved, TicketSelfServed } from '@ticketing/contracts';
import { NotFoundError, systemActor } from '@ticketing/kernel';
import type { BusEvent } from '@ticketing/messaging';
import { AssignmentService, type RoutingCause } from './assignment.service';

/** Consumer group of routing's dispatch reactions (apart from classification's, so each keeps its own checkpoint). */
export const ROUTING_DISPATCH_GROUP = 'routing-dispatch';

const dispatchActor = systemActor('routing-dispatch');
const causeOf = (event: BusEvent): RoutingCause => ({ correlationId: event.metadata.correlationId, causationId: event.id, eventIdSeed: event.id });

type Finishing = TicketResolved | TicketSelfServed | TicketClosed | TicketMerged;
const FINISH_REASON = { TicketResolved: 'resolved', TicketSelfServed: 'resolved', TicketClosed: 'closed', TicketMerged: 'merged' } as const;

/**
 * What happens to a routed ticket elsewhere: resolved, closed or merged in intake (no longer
 * dispatched, its agent freed), reopened (dispatched again), an SLA breach or an emergency's
 * warning (escalated once per SLA event), and every release (the agent's capacity given back).
 */
@Controller()
export class DispatchConsumer {
  constructor(private readonly assignments: AssignmentService) {}

  @EventPattern(['TicketResolved', 'TicketSelfServed', 'TicketClosed', 'TicketMerged'], { group: ROUTING_DISPATCH_GROUP })
  async finish(@Payload() event: BusEvent<Finishing>): Promise<void> {
    const at = 'resolvedAt' in event.data ? event.data.resolvedAt : 'closedAt' in event.data ? event.data.closedAt : event.data.mergedAt;
    await this.assignments.run({ type: 'FinishRouting', data: { ticketId: event.data.ticketId, reason: FINISH_REASON[event.type], now: at } }, dispatchActor, causeOf(event));
  }

  @EventPattern('TicketReopened', { group: ROUTING_DISPATCH_GROUP })
  async reopen(@Payload() event: BusEvent<TicketReopened>): Promise<void> {
    await this.assignments.run({ type: 'ReopenRouting', data: { ticketId: event.data.ticketId, now: event.data.reopenedAt } }, dispatchActor, causeOf(event));
  }

  @EventPattern(['SlaBreached', 'SlaWarningIssued'], { group: ROUTING_DISPATCH_GROUP })
  async escalate(@Payload() event: BusEvent<SlaBreached | SlaWarningIssued>): Promise<void> {
    if (event.type === 'SlaBreached' && event.data.escalation === null) return;
    const kind = event.type === 'SlaBreached' ? 'sla_breached' : 'sla_warning';
    const reason = event.type === 'SlaBreached' ? `${event.data.target} target missed (due ${event.data.dueAt})` : `${Math.round(event.data.threshold * 100)}% of the ${event.data.target} target`;
    try {
      await this.assignments.escalate(event.data.ticketId, { kind, eventId: event.id, reason }, dispatchActor, causeOf(event));
    } catch (error) {
      // SLA tracks tickets routing never queued (opened before routing ran): nothing to escalate there.
      if (!(error instanceof NotFoundError)) throw error;
    }
  }

  @EventPattern('TicketReleasedFromAgent', { group: ROUTING_DISPATCH_GROUP })
  async freeCapacity(@Payload() event: BusEvent<TicketReleasedFromAgent>): Promise<void> {
    await this.assignments.dropCapacity(event.data.agentId, event.data.ticketId, event.data.reason, dispatchActor, causeOf(event), event.data.reservationId);
  }
}
