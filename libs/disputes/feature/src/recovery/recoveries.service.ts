import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { disputesStreams, WORKING_DAYS, type RecoveryCondition, type WorkingDays } from '@ticketing/contracts';
import { isRecoveryQuoteExpired, recoveryDecider, WEEKDAYS_CALENDAR, type RecoveryCommand, type RecoveryDepositInput, type RecoveryState } from '@ticketing/disputes-domain';
import { EVENT_STORE, handleCommand, readStreamState, type EventStore } from '@ticketing/event-store';
import { CLOCK, ForbiddenError, newId, NotFoundError, type Actor, type Clock } from '@ticketing/kernel';
import type { AuthenticatedActor } from '@ticketing/platform';
import { DisputeAccess } from '../access/dispute-access.service';
import { runCaseCommand } from '../case-command';
import { actorViewFor, type ActorView } from '../case-view';
import { DISPUTES_SETTINGS, type DisputesSettings } from '../disputes.settings';

/** What every customer-facing recovery text says, whatever the state: a recovery is attempted, never promised. */
export const RECOVERY_NOTICE =
  'Recovery of a deposit sent on the wrong network is attempted by manual on-chain tracing and is not guaranteed. The fee is charged only if the funds are recovered and credited; the window is an estimate in working days.';


export type RecoveryView = Readonly<{
  ticketId: string;
  status: RecoveryState['status'];
  customerId?: string;
  deposit: NonNullable<RecoveryState['deposit']>;
  rule: string;
  conditions: RecoveryState['conditions'];
  requestedBy: ActorView;
  requestedAt: string;
  quote: (Omit<NonNullable<RecoveryState['quote']>, 'quotedBy'> & Readonly<{ expired: boolean; quotedBy: ActorView }>) | null;
  acceptedAt: string | null;
  etaFrom: string | null;
  etaTo: string | null;
  etaOverrun: boolean;
  proofs: readonly Readonly<{ condition: string; contentHash: string; submittedAt: string; submittedBy: ActorView }>[];
  tracingStartedAt: string | null;
  outcome: Readonly<Record<string, unknown>> | null;
  notice: string;
}>;

const REQUESTERS = new Set(['agent', 'supervisor', 'admin']);

/** Wrong-network deposit recoveries: request (judged and quoted), requote, accept or decline, proofs, tracing, outcome. */
@Injectable()
export class RecoveriesService {
  private readonly logger = new Logger(RecoveriesService.name);

  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(DISPUTES_SETTINGS) private readonly settings: DisputesSettings,
    private readonly access: DisputeAccess,
    @Optional() @Inject(WORKING_DAYS) private readonly workingDays?: WorkingDays,
  ) {}

  async request(ticketId: string, deposit: RecoveryDepositInput, actor: AuthenticatedActor): Promise<RecoveryView> {
    if (actor.kind !== 'customer' && !actor.roles.some((role) => REQUESTERS.has(role))) throw new ForbiddenError('A recovery is requested by the ticket’s customer or by staff');
    const ticket = await this.access.ticketFor(ticketId, actor);
    return this.run(ticketId, actor, (now, by) => ({
      type: 'RequestRecovery',
      data: { ticketId, customerId: ticket.customer_id, deposit, rules: this.settings.recovery, quoteId: newId(), now, requestedBy: by },
    }));
  }

  async requote(ticketId: string, actor: AuthenticatedActor): Promise<RecoveryView> {
    await this.visible(ticketId, actor, 'customer-or-staff');
    return this.run(ticketId, actor, (now, by) => ({ type: 'RequoteRecovery', data: { quoteId: newId(), rules: this.settings.recovery, now, by } }));
  }

  async accept(ticketId: string, quoteId: string, actor: AuthenticatedActor): Promise<RecoveryView> {
    const state = await this.visible(ticketId, actor, 'customer');
    const now = this.clock.now();
    const quote = state.quote;
    // The window is counted from acceptance; an expired or wrong quote is refused by the decider.
    const window = quote !== null && !isRecoveryQuoteExpired(quote, now.toISOString()) ? await this.etaWindow(now, quote.etaWorkingDays, quote.calendar) : { etaFrom: now.toISOString(), etaTo: now.toISOString() };
    return this.run(ticketId, actor, (at, by) => ({ type: 'AcceptRecoveryQuote', data: { quoteId, now: at, by, ...window } }));
  }

  async decline(ticketId: string, quoteId: string, reason: string | null, actor: AuthenticatedActor): Promise<RecoveryView> {
    await this.visible(ticketId, actor, 'customer');
    return this.run(ticketId, actor, (now, by) => ({ type: 'DeclineRecoveryQuote', data: { quoteId, reason, now, by } }));
  }

  async submitProof(ticketId: string, condition: RecoveryCondition, content: Readonly<Record<string, unknown>>, actor: AuthenticatedActor): Promise<RecoveryView> {
    await this.visible(ticketId, actor, 'customer-or-staff');
    return this.run(ticketId, actor, (now, by) => ({ type: 'SubmitRecoveryProof', data: { condition, content, now, by } }));
  }

  async startTracing(ticketId: string, actor: AuthenticatedActor): Promise<RecoveryView> {
    await this.access.assertCleared(actor, 'recovery');
    await this.visible(ticketId, actor, 'any');
    return this.run(ticketId, actor, (now, by) => ({ type: 'StartRecoveryTracing', data: { now, by } }));
  }

  async complete(ticketId: string, outcome: Readonly<{ outcome: 'succeeded' | 'failed'; reason?: string; creditTxHash?: string }>, actor: AuthenticatedActor): Promise<RecoveryView> {
    await this.access.assertCleared(actor, 'recovery');
    await this.visible(ticketId, actor, 'any');
    return this.run(ticketId, actor, (now, by) => ({
      type: 'CompleteRecovery',
      data: outcome.outcome === 'succeeded' ? { outcome: 'succeeded', creditTxHash: outcome.creditTxHash ?? null, now, by } : { outcome: 'failed', reason: outcome.reason ?? '', now, by },
    }));
  }

  async view(ticketId: string, actor: AuthenticatedActor): Promise<RecoveryView> {
    return this.viewOf(await this.visible(ticketId, actor, 'any'), actor);
  }

  /** The ETA check of the timer: appends RecoveryEtaOverrun once the window has passed; returns whether it did. */
  async checkEta(ticketId: string, actor: Actor): Promise<boolean> {
    const now = this.clock.now().toISOString();
    const result = await handleCommand(this.eventStore, disputesStreams.recovery(ticketId), recoveryDecider, { type: 'OverrunRecoveryEta', data: { now } }, {
      metadata: { ticketId, correlationId: `recovery-eta:${ticketId}`, causationId: `recovery-eta:${ticketId}`, actor, occurredAt: now },
      maxRetries: 10,
    });
    return result.newEvents.length > 0;
  }

  private async etaWindow(from: Date, days: Readonly<{ min: number; max: number }>, calendar: string): Promise<Readonly<{ etaFrom: string; etaTo: string }>> {
    if (calendar !== WEEKDAYS_CALENDAR && this.workingDays !== undefined) {
      const [etaFrom, etaTo] = await Promise.all([this.workingDays.addWorkingDays(from, days.min, calendar), this.workingDays.addWorkingDays(from, days.max, calendar)]);
      return { etaFrom: etaFrom.toISOString(), etaTo: etaTo.toISOString() };
    }
    // The disputes deployable alone has no SLA calendars: Monday to Friday is the honest fallback.
    if (calendar !== WEEKDAYS_CALENDAR) this.logger.warn(`No SLA calendar in this process: counting the recovery window on ${WEEKDAYS_CALENDAR}, not ${calendar}`);
    return { etaFrom: addWeekdays(from, days.min).toISOString(), etaTo: addWeekdays(from, days.max).toISOString() };
  }

  private async visible(ticketId: string, actor: AuthenticatedActor, who: 'customer' | 'customer-or-staff' | 'any'): Promise<RecoveryState> {
    const state = await readStreamState(this.eventStore, disputesStreams.recovery(ticketId), recoveryDecider);
    if (state.status === 'none' || state.customerId === null) throw new NotFoundError(`No recovery on ticket ${ticketId}`, { ticketId });
    this.access.assertMayRead(actor, state.customerId, ticketId);
    if (who === 'customer' && actor.kind !== 'customer') throw new ForbiddenError('Only the ticket’s customer accepts or declines a quote');
    if (who === 'customer-or-staff' && actor.kind !== 'customer' && !actor.roles.some((role) => REQUESTERS.has(role))) throw new ForbiddenError('Only the ticket’s customer or staff may do this');
    return state;
  }


  private viewOf(state: RecoveryState, viewer: AuthenticatedActor): RecoveryView {
    const actor = actorViewFor(viewer);
    const now = this.clock.now().toISOString();
    const outcome = state.outcome === null ? null : { ...state.outcome, by: actor(state.outcome.by) };
    return {
      ticketId: state.ticketId!,
      status: state.status,
      ...(viewer.kind !== 'customer' && { customerId: state.customerId! }),
      deposit: state.deposit!,
      rule: state.rule!,
      conditions: state.conditions,
      requestedBy: actor(state.requestedBy!),
      requestedAt: state.requestedAt!,
      quote: state.quote === null ? null : { ...state.quote, quotedBy: actor(state.quote.quotedBy), expired: state.status === 'quoted' && isRecoveryQuoteExpired(state.quote, now) },
      acceptedAt: state.acceptedAt,
      etaFrom: state.etaFrom,
      etaTo: state.etaTo,
      etaOverrun: state.overrunAlerted,
      proofs: state.proofs.map((proof) => ({ condition: proof.condition, contentHash: proof.contentHash, submittedAt: proof.submittedAt, submittedBy: actor(proof.submittedBy) })),
      tracingStartedAt: state.tracingStartedAt,
      outcome,
      notice: RECOVERY_NOTICE,
    };
  }

  private async run(ticketId: string, actor: AuthenticatedActor, command: (now: string, by: Actor) => RecoveryCommand): Promise<RecoveryView> {
    const state = await runCaseCommand(this.eventStore, this.clock, { streamName: disputesStreams.recovery(ticketId), ticketId, decider: recoveryDecider }, actor, command);
    return this.viewOf(state, actor);
  }
}

/** The end of the UTC day `days` weekdays after `from`. */
function addWeekdays(from: Date, days: number): Date {
  const date = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()));
  let left = days;
  while (left > 0) {
    date.setUTCDate(date.getUTCDate() + 1);
    if (date.getUTCDay() !== 0 && date.getUTCDay() !== 6) left--;
  }
  return new Date(date.getTime() + 86_400_000 - 1);
}
