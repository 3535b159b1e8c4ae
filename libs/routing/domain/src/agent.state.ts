import type { AgentAvailability, AgentEvent, AgentProfile, Channel } from '@ticketing/contracts';
import { assertNever } from '@ticketing/kernel';

/** An agent's stream (`agent-<agentId>`): profile, availability and the tickets it holds now. */
export type AgentState = Readonly<{
  agentId: string | null;
  profile: AgentProfile | null;
  availability: AgentAvailability;
  /** Since when the availability is what it is (for the offline grace period). */
  availableSince: string | null;
  retired: boolean;
  /** Ticket id → the channel its capacity counts against. */
  held: Readonly<Record<string, Channel>>;
  /** Ticket id → the reservation holding it now and when it was taken (a drop of an older one changes nothing). */
  reservations: Readonly<Record<string, Readonly<{ id: string | null; takenAt: string }>>>;
  lastTakenAt: string | null;
}>;

export const initialAgentState = (): AgentState => ({ agentId: null, profile: null, availability: 'offline', availableSince: null, retired: false, held: {}, reservations: {}, lastTakenAt: null });

/** Tickets held on one channel. */
export const loadOn = (state: Pick<AgentState, 'held'>, channel: Channel): number => Object.values(state.held).filter((held) => held === channel).length;

export function evolveAgent(state: AgentState, event: AgentEvent): AgentState {
  switch (event.type) {
    case 'AgentProfileSaved':
      return { ...state, agentId: event.data.agentId, profile: event.data.profile, availableSince: state.availableSince ?? event.data.savedAt };
    case 'AgentAvailabilityChanged':
      return { ...state, availability: event.data.to, availableSince: event.data.changedAt };
    case 'AgentRetired':
      return { ...state, retired: true, availability: 'offline', availableSince: event.data.retiredAt };
    case 'AgentTicketTaken':
      return {
        ...state,
        held: { ...state.held, [event.data.ticketId]: event.data.channel },
        reservations: { ...state.reservations, [event.data.ticketId]: { id: event.data.reservationId ?? null, takenAt: event.data.takenAt } },
        lastTakenAt: event.data.takenAt,
      };
    case 'AgentTicketDropped': {
      const { [event.data.ticketId]: _dropped, ...held } = state.held;
      const { [event.data.ticketId]: _reservation, ...reservations } = state.reservations;
      return { ...state, held, reservations };
    }
    default:
      return assertNever(event);
  }
}
