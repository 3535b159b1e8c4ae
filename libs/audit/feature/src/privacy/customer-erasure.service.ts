import { Inject, Injectable } from '@nestjs/common';
import { auditStreams, type CustomerDataErased } from '@ticketing/contracts';
import { EVENT_STORE, type EventStore } from '@ticketing/event-store';
import { CLOCK, newId, NotFoundError, ValidationError, type Actor, type Clock } from '@ticketing/kernel';
import { CorrelationContext } from '@ticketing/platform';
import { PersonalDataProtection } from '@ticketing/privacy';

const MAX_CUSTOMER_ID = 255;
const MAX_REASON = 1_000;
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A customer's keys and whether their personal data is erased. */
export type CustomerPrivacyStatus = Readonly<{
  customerId: string;
  /** True once every key the customer had is destroyed. */
  erased: boolean;
  keys: readonly Readonly<{ id: string; createdAt: string; erasedAt: string | null }>[];
}>;

/** What an erasure did. */
export type ErasureReport = Readonly<{
  customerId: string;
  erasedAt: string;
  destroyedKeyIds: readonly string[];
  /** The CustomerDataErased event recorded, on `privacy-<customerId>`. */
  eventId: string;
  position: number;
}>;

function validCustomerId(customerId: unknown): string {
  if (typeof customerId !== 'string' || customerId.trim() === '' || customerId.length > MAX_CUSTOMER_ID || CONTROL.test(customerId)) {
    throw new ValidationError('customerId is not a customer id', [{ field: 'customerId', message: `must be the customer's id (the token subject): 1 to ${MAX_CUSTOMER_ID} characters, no control characters` }]);
  }
  return customerId;
}

function validReason(reason: unknown): string | null {
  if (reason === undefined || reason === null) return null;
  if (typeof reason !== 'string' || reason.trim() === '' || reason.length > MAX_REASON || CONTROL.test(reason.replace(/[\n\t]/g, ' '))) {
    throw new ValidationError('reason is not valid', [{ field: 'reason', message: `must be text of 1 to ${MAX_REASON} characters when given` }]);
  }
  return reason;
}

/**
 * Erasure that keeps the proof (crypto-shredding): destroys every key a customer's personal data
 * was sealed under, then records CustomerDataErased. Events and hash chains are untouched; each
 * process's read models are rebuilt by its ErasureFollower when it sees the event.
 */
@Injectable()
export class CustomerErasureService {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    private readonly protection: PersonalDataProtection,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async status(customerId: string): Promise<CustomerPrivacyStatus> {
    const id = validCustomerId(customerId);
    const keys = await this.protection.keys.keysOf(id);
    if (keys.length === 0) throw new NotFoundError(`No personal data is held for customer ${id}`, { customerId: id });
    return { customerId: id, erased: keys.every((key) => key.erasedAt !== null), keys };
  }

  /**
   * Erases the customer's personal data; repeating it destroys nothing more but records the request
   * again (and rebuilds the read models again). A customer with no key on record is a NotFoundError:
   * nothing of theirs was ever sealed.
   */
  async erase(customerId: string, by: Actor, request: Readonly<{ reason?: unknown; via: CustomerDataErased['data']['via'] }>): Promise<ErasureReport> {
    const id = validCustomerId(customerId);
    const reason = validReason(request.reason);
    const keys = await this.protection.keys.keysOf(id);
    if (keys.length === 0) throw new NotFoundError(`No personal data is held for customer ${id}`, { customerId: id });
    const erasedAt = this.clock.now().toISOString();
    const destroyedKeyIds = keys.filter((key) => key.erasedAt === null).map((key) => key.id);
    // Keys first: a record of an erasure that did not happen would be worse than an erasure whose
    // record must be retried (repeating the request records it; nothing is left to destroy).
    await this.protection.keys.erase(id, erasedAt);
    this.protection.forgetKeys(destroyedKeyIds);
    const actor = { kind: by.kind, id: by.id };
    const correlationId = CorrelationContext.currentCorrelationId() ?? newId();
    const eventId = newId();
    const data: CustomerDataErased['data'] = { customerId: id, destroyedKeyIds, reason, by: actor, erasedAt, via: request.via };
    const appended = await this.eventStore.append(
      auditStreams.erasure(id),
      [{ id: eventId, type: 'CustomerDataErased', schemaVersion: 1, data, metadata: { correlationId, causationId: correlationId, actor, occurredAt: erasedAt } }],
      { expectedRevision: 'any' },
    );
    return { customerId: id, erasedAt, destroyedKeyIds, eventId, position: appended.lastGlobalPosition };
  }
}
