import type { ContextContract } from './context-contract';
import { CONTEXT_CONTRACTS, CONTEXT_NAMES, STREAM_PREFIXES, type ContextName } from './streams';

/**
 * What a stream's events are ordered by, on both buses (docs/architecture.md §5): events with the
 * same key are delivered in log order, events with different keys may overlap.
 */
export type OrderingKey = Readonly<{
  /**
   * `ticket` for every context's streams of a ticket (so a ticket's events keep their order across
   * contexts), the entity a contract declares (`agent`), `singleton`, or `stream` for a stream no
   * contract owns.
   */
  entity: string;
  /** The ticket's or entity's id, the singleton's name, or the stream's name: the Kafka message key. */
  id: string;
}>;

/** `ticket` streams: `<prefix><ticketId>` of every prefix no contract maps to another entity. */
export const TICKET_ENTITY = 'ticket';

type Category = Readonly<{ prefix: string; entity: string }>;

/**
 * The ordering-key rule for a list of contracts: a singleton stream is keyed by its name; a stream
 * `<prefix><id>` by its entity and id; anything else (no contract owns it) by its own name.
 */
export function orderingKeysOf(contracts: readonly ContextContract[]): (streamName: string) => OrderingKey {
  const singletons = new Set(contracts.flatMap((contract) => contract.singletonStreams ?? []));
  const categories: Category[] = contracts.flatMap((contract) =>
    contract.streamPrefixes.map((prefix) => ({ prefix, entity: contract.entityStreams?.[prefix] ?? TICKET_ENTITY })),
  );
  return (streamName) => {
    if (singletons.has(streamName)) return { entity: 'singleton', id: streamName };
    const category = categories.find(({ prefix }) => streamName.startsWith(prefix) && streamName.length > prefix.length);
    return category === undefined
      ? { entity: 'stream', id: streamName }
      : { entity: category.entity, id: streamName.slice(category.prefix.length) };
  };
}

/**
 * The ordering key of a stream under every context's contract: `ticket-7` and `routing-7` → ticket
 * `7`; `agent-3` → agent `3`; `sla-policy` → singleton `sla-policy`. Metadata plays no part: the
 * stream's name alone decides, so a stream's events never disagree about their key.
 */
export const orderingKeyOf: (streamName: string) => OrderingKey = orderingKeysOf(CONTEXT_CONTRACTS);

/** The names of the given contexts' streams of one ticket (default: every context's); never a singleton. */
export function ticketStreamNamesOf(ticketId: string, contexts: readonly ContextName[] = CONTEXT_NAMES): string[] {
  return contexts
    .flatMap((context) => STREAM_PREFIXES[context].map((prefix) => `${prefix}${ticketId}`))
    .filter((name) => {
      const key = orderingKeyOf(name);
      return key.entity === TICKET_ENTITY && key.id === ticketId;
    });
}
