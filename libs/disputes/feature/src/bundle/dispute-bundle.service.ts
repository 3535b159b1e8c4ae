import { Inject, Injectable } from '@nestjs/common';
import { disputesStreams } from '@ticketing/contracts';
import { STORED_EVENT_STORE, type EventStore } from '@ticketing/event-store';
import { CLOCK, NotFoundError, type Actor, type Clock } from '@ticketing/kernel';
import { BUNDLE_SIGNER, toEventActor, type AuthenticatedActor, type BundleSigner } from '@ticketing/platform';
import { PersonalDataProtection } from '@ticketing/privacy';
import { DisputeAccess } from '../access/dispute-access.service';
import { buildEvidenceBundle, readBundleStreams, type EvidenceBundle } from '@ticketing/evidence-bundle';

/**
 * The signed bundle of a ticket's dispute and recovery; a NotFoundError when the ticket has neither.
 * `mayRead` sees the case's customer before anything is signed. Used by the API and by
 * `ticketing disputes export`. Reads the store as recorded (the hashes cover personal data sealed)
 * and opens the items' content with `privacy`.
 */
export async function exportEvidenceBundle(
  eventStore: EventStore,
  privacy: PersonalDataProtection,
  signer: BundleSigner,
  request: Readonly<{ ticketId: string; exportedBy: Actor; exportedAt: string }>,
  mayRead: (customerId: string) => void = () => undefined,
): Promise<EvidenceBundle> {
  const streams = await readBundleStreams(eventStore, [disputesStreams.dispute(request.ticketId), disputesStreams.recovery(request.ticketId)]);
  const customerId = streams.map((stream) => stream.events[0].data['customerId']).find((id): id is string => typeof id === 'string');
  if (customerId === undefined) throw new NotFoundError(`Ticket ${request.ticketId} has no dispute and no recovery`, { ticketId: request.ticketId });
  mayRead(customerId);
  return buildEvidenceBundle({ ...request, streams }, signer, { open: (event) => privacy.reveal(event) });
}

/** Exports a ticket's dispute and recovery as a signed evidence bundle, to whoever may read the case. */
@Injectable()
export class DisputeBundleService {
  constructor(
    @Inject(STORED_EVENT_STORE) private readonly eventStore: EventStore,
    private readonly privacy: PersonalDataProtection,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(BUNDLE_SIGNER) private readonly signer: BundleSigner,
    private readonly access: DisputeAccess,
  ) {}

  async publicKey(): Promise<Readonly<{ keyId: string; publicKeyPem: string }>> {
    return { keyId: this.signer.keyId, publicKeyPem: this.signer.publicKeyPem };
  }

  async export(ticketId: string, actor: AuthenticatedActor): Promise<EvidenceBundle> {
    return exportEvidenceBundle(this.eventStore, this.privacy, this.signer, { ticketId, exportedBy: toEventActor(actor), exportedAt: this.clock.now().toISOString() }, (customerId) =>
      this.access.assertMayRead(actor, customerId, ticketId),
    );
  }
}
