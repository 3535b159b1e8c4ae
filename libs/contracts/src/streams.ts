import type { Event } from '@ticketing/kernel';
import { AUDIT_CONTRACT, type AuditEvent } from './audit/audit.events';
import { assertDisjointContracts, type ContextContract, type PersonalDataFields } from './context-contract';
import { DISPUTES_CONTRACT, type DisputesEvent } from './disputes/disputes.events';
import { INTAKE_CONTRACT, type IntakeEvent } from './intake/intake.events';
import { KB_CONTRACT } from './kb/kb.events';
import { ROUTING_CONTRACT, type RoutingEvent } from './routing/routing.events';
import { SLA_CONTRACT, type SlaEvent } from './sla/sla.events';

/**
 * Every context's contract, one line each: the stream → context map, the Kafka topology and the
 * deployables' names all derive from this list. Conflicting claims fail at import, naming both.
 */
export const CONTEXT_CONTRACTS = [INTAKE_CONTRACT, ROUTING_CONTRACT, SLA_CONTRACT, DISPUTES_CONTRACT, AUDIT_CONTRACT, KB_CONTRACT] as const;
assertDisjointContracts(CONTEXT_CONTRACTS);

export type ContextName = (typeof CONTEXT_CONTRACTS)[number]['name'];

function byContext<T>(pick: (contract: ContextContract<ContextName>) => T): Readonly<Record<ContextName, T>> {
  const result = {} as Record<ContextName, T>;
  for (const contract of CONTEXT_CONTRACTS) result[contract.name] = pick(contract);
  return result;
}

/** Every context, in the contracts' order. */
export const CONTEXT_NAMES: readonly ContextName[] = CONTEXT_CONTRACTS.map((contract) => contract.name);

/** Stream-name prefixes each context owns; relays and filters select by them. */
export const STREAM_PREFIXES = byContext((contract) => contract.streamPrefixes);

/**
 * The event types each context publishes, hence the Kafka topic each type travels on: a consumer
 * of a type missing here fails the boot on Kafka rather than silently never receiving anything.
 */
export const EVENT_TYPES_BY_CONTEXT = byContext((contract) => contract.eventTypes);

/** Stream names per owning context: one stream per ticket per context. */
export const streams = {
  ticket: (ticketId: string) => `ticket-${ticketId}`,
  routing: (ticketId: string) => `routing-${ticketId}`,
} as const;

/** Kafka topic of each context's events; key = the stream's entity id, so per-entity order holds. */
export const topicOf = (context: ContextName): string => `ticketing.${context}.events`;

/** The context owning a stream, by its prefix, or undefined for streams outside any context. */
export function contextOfStream(streamName: string): ContextName | undefined {
  return CONTEXT_CONTRACTS.find((contract) => contract.streamPrefixes.some((prefix) => streamName.startsWith(prefix)))?.name;
}

/** Contexts that own streams, hence a Kafka topic (and its dead-letter topic); audit only reads. */
export const TOPIC_CONTEXTS: readonly ContextName[] = CONTEXT_NAMES.filter((name) => STREAM_PREFIXES[name].length > 0);

/** The context publishing an event type, or undefined for a type no contract declares. */
export function contextOfEventType(type: string): ContextName | undefined {
  return CONTEXT_CONTRACTS.find((contract) => (contract.eventTypes as readonly string[]).includes(type))?.name;
}

/** Event types customers never see on any API: the union of the contracts' staff-only types. */
export const STAFF_ONLY_EVENT_TYPES: ReadonlySet<string> = new Set(
  CONTEXT_CONTRACTS.flatMap((contract: ContextContract) => contract.staffOnlyEventTypes ?? []),
);

/** Where each event type carries personal data (crypto-shredded on erasure): the union of the contracts' declarations. */
export const PERSONAL_DATA: ReadonlyMap<string, PersonalDataFields> = new Map(
  CONTEXT_CONTRACTS.flatMap((contract: ContextContract) => Object.entries(contract.personalData ?? {})),
);

/** Every public event of every context, in its current shape. */
export type PublicEvent = IntakeEvent | RoutingEvent | SlaEvent | DisputesEvent | AuditEvent;

/**
 * An envelope (a recorded event: id, metadata, stream, position…) carrying a public event in its
 * current shape; narrowing on `type` types `data`.
 */
export type Upcast<Envelope extends Event, E extends Event = PublicEvent> = E extends Event ? Omit<Envelope, keyof Event> & E : never;

const UPCASTERS: ReadonlyMap<string, (event: Event) => Event> = new Map(
  CONTEXT_CONTRACTS.flatMap((contract: ContextContract) => (contract.upcast ? contract.eventTypes.map((type) => [type, contract.upcast!] as const) : [])),
);

/**
 * A stored event in its current shape, by the upcaster of the context publishing its type; the
 * rest of the envelope is kept. The one step between storage and every consumer and projection.
 * A type no contract declares passes unchanged (its typing is then only as good as the caller's filter).
 */
export function upcastPublicEvent<Envelope extends Event>(recorded: Envelope): Upcast<Envelope> {
  const upcast = UPCASTERS.get(recorded.type);
  if (upcast === undefined) return recorded as unknown as Upcast<Envelope>;
  const current = upcast({ type: recorded.type, schemaVersion: recorded.schemaVersion, data: recorded.data });
  // Most events are current already: hand the envelope on rather than copy it.
  if (current.data === recorded.data && current.schemaVersion === recorded.schemaVersion) return recorded as unknown as Upcast<Envelope>;
  return { ...recorded, type: current.type, schemaVersion: current.schemaVersion, data: current.data } as unknown as Upcast<Envelope>;
}
