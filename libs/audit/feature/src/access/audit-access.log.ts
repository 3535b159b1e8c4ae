import { Inject, Injectable } from '@nestjs/common';
import { auditStreams, type AuditAccessed } from '@ticketing/contracts';
import { EVENT_STORE, type EventStore } from '@ticketing/event-store';
import { CLOCK, newId, type Actor, type Clock } from '@ticketing/kernel';
import { CorrelationContext } from '@ticketing/platform';

/**
 * Records every read of the audit trail before it is answered (`AuditAccessed` on the reader's
 * `audit-access-…` stream of the day): a read that cannot be recorded is not served.
 */
@Injectable()
export class AuditAccessLog {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async record(who: Actor, what: AuditAccessed['data']['what'], via: AuditAccessed['data']['via'] = 'api'): Promise<void> {
    const when = this.clock.now().toISOString();
    const correlationId = CorrelationContext.currentCorrelationId() ?? newId();
    const actor = { kind: who.kind, id: who.id };
    // A log of facts with nothing to decide: each read is one more event whatever came before, so it
    // appends at any revision instead of reading the reader's whole day first.
    await this.eventStore.append(
      auditStreams.access(who, when),
      [{ id: newId(), type: 'AuditAccessed', schemaVersion: 1, data: { who: actor, what, when, via } satisfies AuditAccessed['data'], metadata: { ticketId: what.ticketId, correlationId, causationId: correlationId, actor, occurredAt: when } }],
      { expectedRevision: 'any' },
    );
  }
}
