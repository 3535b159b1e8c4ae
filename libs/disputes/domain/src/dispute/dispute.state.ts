import type { DeviationAssessed, DisputedPosition, DisputeDecided, DisputeEvent, EvidenceKind } from '@ticketing/contracts';
import { assertNever, type Actor } from '@ticketing/kernel';

/** One evidence item as it stands: immutable once submitted. */
export type EvidenceItem = Readonly<{
  evidenceId: string;
  round: number;
  kind: EvidenceKind;
  content: Readonly<Record<string, unknown>>;
  contentHash: string;
  submittedBy: Actor;
  submittedAt: string;
}>;

export type DisputeRound = Readonly<{
  round: number;
  openedBy: Actor;
  openedAt: string;
  tolerance: string;
  appealOf: Readonly<{ round: number; reason: string }> | null;
  assessment: DeviationAssessed['data'] | null;
  decision: DisputeDecided['data'] | null;
}>;

/** `open`: taking evidence; `sealed`: decided, only an appeal may follow. */
export type DisputeStatus = 'none' | 'open' | 'sealed';

export type DisputeState = Readonly<{
  status: DisputeStatus;
  ticketId: string | null;
  customerId: string | null;
  position: DisputedPosition | null;
  liquidationPrice: string | null;
  liquidatedAt: string | null;
  /** Every round, oldest first; the last is the current one. */
  rounds: readonly DisputeRound[];
  /** Every item of every round, in submission order. */
  items: readonly EvidenceItem[];
}>;

export const initialDisputeState = (): DisputeState => ({
  status: 'none',
  ticketId: null,
  customerId: null,
  position: null,
  liquidationPrice: null,
  liquidatedAt: null,
  rounds: [],
  items: [],
});

const withCurrentRound = (state: DisputeState, change: (round: DisputeRound) => DisputeRound): DisputeState => ({
  ...state,
  rounds: state.rounds.map((round, index) => (index === state.rounds.length - 1 ? change(round) : round)),
});

export function evolveDispute(state: DisputeState, event: DisputeEvent): DisputeState {
  switch (event.type) {
    case 'DisputeOpened': {
      const data = event.data;
      return {
        ...state,
        status: 'open',
        ticketId: data.ticketId,
        customerId: data.customerId,
        position: data.position,
        liquidationPrice: data.liquidationPrice,
        liquidatedAt: data.liquidatedAt,
        rounds: [...state.rounds, { round: data.round, openedBy: data.openedBy, openedAt: data.openedAt, tolerance: data.tolerance, appealOf: data.appealOf, assessment: null, decision: null }],
      };
    }
    case 'EvidenceSubmitted': {
      const { evidenceId, round, kind, content, contentHash, submittedBy, submittedAt } = event.data;
      return { ...state, items: [...state.items, { evidenceId, round, kind, content, contentHash, submittedBy, submittedAt }] };
    }
    case 'DeviationAssessed':
      return withCurrentRound(state, (round) => ({ ...round, assessment: event.data }));
    case 'DisputeDecided':
      return { ...withCurrentRound(state, (round) => ({ ...round, decision: event.data })), status: 'sealed' };
    default:
      return assertNever(event);
  }
}

/** The round taking evidence or decided last; undefined before the dispute is opened. */
export const currentRound = (state: DisputeState): DisputeRound | undefined => state.rounds[state.rounds.length - 1];
