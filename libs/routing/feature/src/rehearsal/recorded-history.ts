import type { AgentEvent, AgentProfile, Category, Channel, Language, Priority, RoutingTicketEvent } from '@ticketing/contracts';
import { parseDurationMs } from './duration';
import type { EventStore } from '@ticketing/event-store';
import type { RecordedTicket, RehearsalAgent } from './surge-rehearsal';

/** The public event types a rehearsal reads, by type (never by another context's stream names). */
export const REHEARSAL_EVENT_TYPES = [
  'TicketOpened',
  'TicketClassified',
  'TicketRecategorized',
  'TicketQueued',
  'TicketAssignedToAgent',
  'FirstResponseGiven',
  'TicketResolved',
  'TicketSelfServed',
  'SlaClockStarted',
  'SlaClockRetimed',
  'SlaBreached',
  'AgentProfileSaved',
  'AgentRetired',
] as const;

type Draft = {
  -readonly [K in keyof RecordedTicket]: RecordedTicket[K];
};

/**
 * The tickets opened in [from, to) as history tells them (one pass over the log, by event type),
 * and every agent's latest profile (retired ones left out): what a rehearsal replays.
 */
export async function readRecordedHistory(eventStore: EventStore, from: string, to: string): Promise<{ tickets: RecordedTicket[]; agents: RehearsalAgent[] }> {
  const start = Date.parse(from);
  const end = Date.parse(to);
  const drafts = new Map<string, Draft>();
  const agents = new Map<string, AgentProfile>();
  const placed = new Set<string>();
  for await (const recorded of eventStore.readAll({ filter: { eventTypes: REHEARSAL_EVENT_TYPES } })) {
    const event = recorded as unknown as (RoutingTicketEvent | AgentEvent | { type: string; data: Record<string, unknown> }) & { type: string };
    const data = event.data as Record<string, unknown>;
    if (event.type === 'AgentProfileSaved') {
      agents.set(String(data['agentId']), data['profile'] as AgentProfile);
      continue;
    }
    if (event.type === 'AgentRetired') {
      agents.delete(String(data['agentId']));
      continue;
    }
    const ticketId = String(data['ticketId']);
    if (event.type === 'TicketOpened') {
      const openedAt = String(data['openedAt']);
      if (Date.parse(openedAt) < start || Date.parse(openedAt) >= end) continue;
      drafts.set(ticketId, {
        ticketId,
        channel: data['channel'] as Channel,
        language: data['language'] as Language,
        category: null,
        priority: null,
        queue: 'triage',
        openedAt,
        queuedAt: openedAt,
        assignedAt: null,
        firstResponseAt: null,
        resolvedAt: null,
        firstResponseTargetMs: null,
        firstResponseBreached: false,
      });
      continue;
    }
    const draft = drafts.get(ticketId);
    if (draft === undefined) continue;
    switch (event.type) {
      case 'TicketClassified':
        draft.category = data['category'] as Category;
        draft.priority = data['priority'] as Priority;
        break;
      case 'TicketRecategorized':
        draft.category = data['to'] as Category;
        draft.priority = data['priority'] as Priority;
        break;
      case 'TicketQueued':
        // The first placement is the arrival the rehearsal replays; later moves are people's decisions.
        if (!placed.has(ticketId)) {
          placed.add(ticketId);
          draft.queue = String(data['queue']);
          draft.queuedAt = String(data['queuedAt']);
        }
        break;
      case 'TicketAssignedToAgent':
        draft.assignedAt ??= String(data['assignedAt']);
        break;
      case 'FirstResponseGiven':
        draft.firstResponseAt ??= String(data['respondedAt']);
        break;
      case 'TicketResolved':
      case 'TicketSelfServed':
        draft.resolvedAt ??= String(data['resolvedAt']);
        break;
      case 'SlaClockStarted':
      case 'SlaClockRetimed':
        if (data['target'] === 'firstResponse') draft.firstResponseTargetMs = parseDurationMs(String(data['duration']));
        break;
      case 'SlaBreached':
        if (data['target'] === 'firstResponse') draft.firstResponseBreached = true;
        break;
    }
  }
  return {
    tickets: [...drafts.values()].sort((a, b) => a.queuedAt.localeCompare(b.queuedAt)),
    agents: [...agents.entries()].map(([agentId, profile]) => ({ agentId, profile })),
  };
}
