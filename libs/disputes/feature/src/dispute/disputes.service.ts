import { Inject, Injectable } from '@nestjs/common';
import { disputesStreams } from '@ticketing/contracts';
import { disputeDecider, type DisputeCommand, type DisputeState } from '@ticketing/disputes-domain';
import { EVENT_STORE, readStreamState, type EventStore } from '@ticketing/event-store';
import { CLOCK, ForbiddenError, NotFoundError, UnprocessableError, type Actor, type Clock } from '@ticketing/kernel';
import type { AuthenticatedActor } from '@ticketing/platform';
import { DisputeAccess } from '../access/dispute-access.service';
import { BLOB_STORE, type BlobStore } from '../attachments/blob-store';
import { runCaseCommand } from '../case-command';
import { disputeViewOf, type DisputeView } from '../case-view';
import { DISPUTES_SETTINGS, type DisputesSettings } from '../disputes.settings';

export type OpenDisputeInput = Readonly<{ position: unknown; liquidationPrice: unknown; liquidatedAt: unknown }>;
export type DecisionInput = Readonly<{ outcome: unknown; compensation?: unknown; reason: unknown; citedEvidenceIds: unknown }>;

/** Roles that may put evidence in a case besides its customer: staff and the trading system. */
const EVIDENCE_ROLES = new Set(['agent', 'supervisor', 'admin', 'service']);

/** Liquidation disputes: open, evidence, decision, appeal; each a command on `dispute-<ticketId>`, answered with the case. */
@Injectable()
export class DisputesService {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(DISPUTES_SETTINGS) private readonly settings: DisputesSettings,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    private readonly access: DisputeAccess,
  ) {}

  async open(ticketId: string, input: OpenDisputeInput, actor: AuthenticatedActor): Promise<DisputeView> {
    if (actor.kind !== 'customer' && !actor.roles.some((role) => ['agent', 'supervisor', 'admin'].includes(role))) {
      throw new ForbiddenError('A dispute is opened by the ticket’s customer or by staff');
    }
    const ticket = await this.access.ticketFor(ticketId, actor);
    return this.run(ticketId, actor, (now, by) => ({
      type: 'OpenDispute',
      data: { ticketId, customerId: ticket.customer_id, ...input, rules: this.settings.dispute, now, by },
    }));
  }

  async submitEvidence(ticketId: string, input: Readonly<{ kind: unknown; content: unknown }>, actor: AuthenticatedActor): Promise<DisputeView> {
    if (actor.kind !== 'customer' && !actor.roles.some((role) => EVIDENCE_ROLES.has(role))) throw new ForbiddenError('Evidence comes from the customer, staff or the trading system');
    await this.visibleCase(ticketId, actor);
    if (input.kind === 'attachment') await this.assertStored(input.content);
    return this.run(ticketId, actor, (now, by) => ({ type: 'SubmitEvidence', data: { ...input, rules: this.settings.dispute, now, by } }));
  }

  async decide(ticketId: string, input: DecisionInput, actor: AuthenticatedActor): Promise<DisputeView> {
    await this.access.assertCleared(actor, 'disputes');
    await this.visibleCase(ticketId, actor);
    return this.run(ticketId, actor, (now, by) => ({
      type: 'DecideDispute',
      data: { outcome: input.outcome, compensation: input.compensation, reason: input.reason, citedEvidenceIds: input.citedEvidenceIds, now, by },
    }));
  }

  async appeal(ticketId: string, reason: unknown, actor: AuthenticatedActor): Promise<DisputeView> {
    if (actor.kind !== 'customer') await this.access.assertCleared(actor, 'disputes');
    await this.visibleCase(ticketId, actor);
    return this.run(ticketId, actor, (now, by) => ({ type: 'AppealDispute', data: { reason, rules: this.settings.dispute, now, by } }));
  }

  async view(ticketId: string, actor: AuthenticatedActor): Promise<DisputeView> {
    return disputeViewOf(await this.visibleCase(ticketId, actor), actor);
  }

  /** Stores an attachment's bytes content-addressed; its evidence item then names them by SHA-256. */
  async storeAttachment(ticketId: string, bytes: Buffer, actor: AuthenticatedActor): Promise<Readonly<{ sha256: string; size: number }>> {
    const state = await this.visibleCase(ticketId, actor);
    if (state.status === 'sealed') throw new UnprocessableError(`The dispute on ticket ${ticketId} is sealed: no more evidence; appeal to open a new round`);
    return this.blobs.put(bytes);
  }

  /** The stored bytes of an attachment of this case (not of any other). */
  async attachment(ticketId: string, sha256: string, actor: AuthenticatedActor): Promise<Buffer> {
    const state = await this.visibleCase(ticketId, actor);
    if (!state.items.some((item) => item.kind === 'attachment' && item.content['sha256'] === sha256)) throw new NotFoundError(`The dispute on ticket ${ticketId} has no attachment ${sha256}`);
    const bytes = await this.blobs.get(sha256);
    if (bytes === undefined) throw new NotFoundError(`The bytes of attachment ${sha256} are not in this store`);
    return bytes;
  }

  /** The case's state, folded from its stream (never behind a write), if `actor` may see it. */
  async visibleCase(ticketId: string, actor: AuthenticatedActor): Promise<DisputeState> {
    const state = await readStreamState(this.eventStore, disputesStreams.dispute(ticketId), disputeDecider);
    if (state.status === 'none' || state.customerId === null) throw new NotFoundError(`No dispute on ticket ${ticketId}`, { ticketId });
    this.access.assertMayRead(actor, state.customerId, ticketId);
    return state;
  }


  private async assertStored(content: unknown): Promise<void> {
    if (typeof content !== 'object' || content === null) return;
    const { sha256, size } = content as Record<string, unknown>;
    if (typeof sha256 !== 'string' || typeof size !== 'number') return; // the decider names what is missing
    const stored = await this.blobs.sizeOf(sha256);
    if (stored === undefined) throw new UnprocessableError(`No attachment ${sha256} is stored: upload its bytes first (POST /v1/disputes/{ticketId}/attachments)`, { sha256 });
    if (stored !== size) throw new UnprocessableError(`Attachment ${sha256} has ${stored} bytes, not ${size}`, { sha256, size: stored });
  }

  private async run(ticketId: string, actor: AuthenticatedActor, command: (now: string, by: Actor) => DisputeCommand): Promise<DisputeView> {
    const state = await runCaseCommand(this.eventStore, this.clock, { streamName: disputesStreams.dispute(ticketId), ticketId, decider: disputeDecider }, actor, command);
    return disputeViewOf(state, actor);
  }
}
