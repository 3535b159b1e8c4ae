import { Inject, Injectable } from '@nestjs/common';
import { auditStreams, type AuditAccessed } from '@ticketing/contracts';
import { EVENT_STORE, handleCommand, type EventStore } from '@ticketing/event-store';
import { CLOCK, newId, type Actor, type Clock, type Command, type Decider } from '@ticketing/kernel';
import { CorrelationContext } from '@ticketing/platform';

type RecordAccess = Command<'RecordAccess', AuditAccessed['data']>;

/** A reader's day of reads: each read is one more event, whatever came before. */
const accessDecider: Decider<null, RecordAccess, AuditAccessed> = {
  initialState: () => null,
  evolve: () => null,
  decide: (command) => ({ type: 'AuditAccessed', schemaVersion: 1, data: command.data }),
};

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
    await handleCommand(this.eventStore, auditStreams.access(who, when), accessDecider, { type: 'RecordAccess', data: { who: { kind: who.kind, id: who.id }, what, when, via } }, {
      metadata: { ticketId: what.ticketId, correlationId, causationId: correlationId, actor: { kind: who.kind, id: who.id }, occurredAt: when },
      maxRetries: 10,
    });
  }
}
