import { AUDIT_CONTRACT } from './audit/audit.events';
import { assertDisjointContracts, type ContextContract } from './context-contract';
import { DISPUTES_CONTRACT } from './disputes/disputes.events';
import { INTAKE_CONTRACT } from './intake/intake.events';
import { ROUTING_CONTRACT } from './routing/routing.events';
import { SLA_CONTRACT } from './sla/sla.events';

/**
 * Every context's contract, one line each: the stream → context map, the Kafka topology and the
 * deployables' names all derive from this list. Conflicting claims fail at import, naming both.
 */
export const CONTEXT_CONTRACTS = [INTAKE_CONTRACT, ROUTING_CONTRACT, SLA_CONTRACT, DISPUTES_CONTRACT, AUDIT_CONTRACT] as const;
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
