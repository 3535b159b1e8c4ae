import type { Event } from '@ticketing/kernel';

/**
 * What a context promises the others: the stream categories it owns (by name prefix) and the
 * public event types it publishes. Its Kafka topic follows from its name (`topicOf`).
 */
export type ContextContract<Name extends string = string> = Readonly<{
  name: Name;
  /** Prefixes of the streams it alone writes, e.g. `ticket-` for `ticket-<id>`. */
  streamPrefixes: readonly string[];
  /** Event types it publishes; each belongs to exactly one context, hence one topic. */
  eventTypes: readonly string[];
  /**
   * Brings a stored event of one of its types to the current shape (stored data is never
   * rewritten); absent when none of its events has had an older version.
   */
  upcast?: (event: Event) => Event;
  /** Its event types that only staff may see (customers never get them on any API, SSE included). */
  staffOnlyEventTypes?: readonly string[];
}>;

/**
 * Checks that no two contracts claim the same name, event type or streams (one prefix being a
 * prefix of another's counts: their streams would overlap). Throws naming both claimants.
 */
export function assertDisjointContracts(contracts: readonly ContextContract[]): void {
  const problems: string[] = [];
  contracts.forEach((contract, index) => {
    for (const type of contract.staffOnlyEventTypes ?? []) {
      if (!contract.eventTypes.includes(type)) problems.push(`context ${contract.name} declares ${type} staff-only but does not publish it`);
    }
    for (const earlier of contracts.slice(0, index)) {
      if (earlier.name === contract.name) problems.push(`context ${contract.name} is defined twice`);
      for (const type of contract.eventTypes) {
        if (earlier.eventTypes.includes(type)) problems.push(`event type ${type} is claimed by both ${earlier.name} and ${contract.name}`);
      }
      for (const prefix of contract.streamPrefixes) {
        const clash = earlier.streamPrefixes.find((other) => other.startsWith(prefix) || prefix.startsWith(other));
        if (clash !== undefined) {
          problems.push(`streams "${prefix}…" of ${contract.name} overlap streams "${clash}…" of ${earlier.name}`);
        }
      }
    }
  });
  if (problems.length > 0) throw new Error(`Context contracts conflict: ${problems.join('; ')}`);
}
