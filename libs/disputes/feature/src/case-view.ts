import type { Actor } from '@ticketing/kernel';
import type { AuthenticatedActor } from '@ticketing/platform';
import type { DisputeRound, DisputeState, EvidenceItem } from '@ticketing/disputes-domain';

/** An actor as a caller may see it: customers see staff by role, not by name. */
export type ActorView = Readonly<{ kind: Actor['kind']; id?: string }>;

const STAFF_KINDS: ReadonlySet<string> = new Set(['agent', 'supervisor', 'admin', 'system']);

/** Customers see who acted by role only when it was staff; everyone else sees ids. */
export function actorViewFor(viewer: AuthenticatedActor): (actor: Actor) => ActorView {
  if (viewer.kind !== 'customer') return (actor) => ({ kind: actor.kind, id: actor.id });
  return (actor) => (STAFF_KINDS.has(actor.kind) ? { kind: actor.kind } : { kind: actor.kind, id: actor.id });
}

export type EvidenceItemView = Omit<EvidenceItem, 'submittedBy'> & Readonly<{ submittedBy: ActorView }>;

export type DisputeView = Readonly<{
  ticketId: string;
  status: 'open' | 'sealed';
  round: number;
  customerId?: string;
  position: NonNullable<DisputeState['position']>;
  liquidationPrice: string;
  liquidatedAt: string;
  tolerance: string;
  assessment: DisputeRound['assessment'];
  decision: (Omit<NonNullable<DisputeRound['decision']>, 'decidedBy'> & Readonly<{ decidedBy: ActorView }>) | null;
  rounds: readonly Readonly<{
    round: number;
    openedBy: ActorView;
    openedAt: string;
    tolerance: string;
    appealOf: DisputeRound['appealOf'];
    assessment: DisputeRound['assessment'];
    decision: DisputeView['decision'];
  }>[];
  items: readonly EvidenceItemView[];
}>;

/** The case as `viewer` sees it: every item, the complete trading log included, for the customer too. */
export function disputeViewOf(state: DisputeState, viewer: AuthenticatedActor): DisputeView {
  const actor = actorViewFor(viewer);
  const decisionOf = (decision: DisputeRound['decision']): DisputeView['decision'] => (decision === null ? null : { ...decision, decidedBy: actor(decision.decidedBy) });
  const rounds = state.rounds.map((round) => ({
    round: round.round,
    openedBy: actor(round.openedBy),
    openedAt: round.openedAt,
    tolerance: round.tolerance,
    appealOf: round.appealOf,
    assessment: round.assessment,
    decision: decisionOf(round.decision),
  }));
  const current = rounds[rounds.length - 1];
  return {
    ticketId: state.ticketId!,
    status: state.status === 'sealed' ? 'sealed' : 'open',
    round: current.round,
    ...(viewer.kind !== 'customer' && { customerId: state.customerId! }),
    position: state.position!,
    liquidationPrice: state.liquidationPrice!,
    liquidatedAt: state.liquidatedAt!,
    tolerance: current.tolerance,
    assessment: current.assessment,
    decision: current.decision,
    rounds,
    items: state.items.map((item) => ({ ...item, submittedBy: actor(item.submittedBy) })),
  };
}
