import type { Event } from '@ticketing/kernel';

/**
 * What a context promises the others: the stream categories it owns (by name prefix), what each
 * is ordered by, and the public event types it publishes. Its Kafka topic follows from its name
 * (`topicOf`); its streams' ordering key from `orderingKeyOf` (docs/architecture.md §5).
 */
export type ContextContract<Name extends string = string> = Readonly<{
  name: Name;
  /**
   * Prefixes of the streams it alone writes, e.g. `ticket-` for `ticket-<id>`. The id after the
   * prefix is a ticket's unless `entityStreams` names another entity for the prefix.
   */
  streamPrefixes: readonly string[];
  /**
   * Prefixes (among `streamPrefixes`) whose id is not a ticket's, with the entity it is:
   * `{ 'agent-': 'agent' }` orders `agent-<id>` by agent id, apart from every ticket.
   */
  entityStreams?: Readonly<Record<string, string>>;
  /**
   * Streams with a single instance, by exact name, each within one of its `streamPrefixes`
   * (`sla-policy`): ordered by that name alone, so `sla-policy` is not ticket `policy`'s `sla-` stream.
   */
  singletonStreams?: readonly string[];
  /** Event types it publishes; each belongs to exactly one context, hence one topic. */
  eventTypes: readonly string[];
  /**
   * Brings a stored event of one of its types to the current shape (stored data is never
   * rewritten); absent when none of its events has had an older version.
   */
  upcast?: (event: Event) => Event;
  /** Its event types that only staff may see (customers never get them on any API, SSE included). */
  staffOnlyEventTypes?: readonly string[];
  /**
   * Where its events carry personal data, per event type: stored encrypted under the data
   * subject's key, unreadable everywhere once that key is erased (crypto-shredding).
   */
  personalData?: Readonly<Record<string, PersonalDataFields>>;
}>;

/**
 * The personal data in one event type. `subject` names whose data it is: a field holding the
 * customer's id, or `ticket` for the customer who opened the ticket in `data.ticketId`.
 * `fields` are dot paths (`channelDetails.fromAddress`) of string values; a path that is absent or
 * not a string in an event is left as it is.
 */
export type PersonalDataFields = Readonly<{
  subject: Readonly<{ field: string }> | 'ticket';
  fields: readonly string[];
}>;

/** What a personal field reads as once its subject's key was erased. */
export const ERASED_PERSONAL_DATA = '[erased]';

/**
 * A personal value as stored: AES-256-GCM under the subject's key `kid` (libs/privacy). An object
 * where the plain value is a string, so a stored value is never mistaken for plain text.
 */
export type SealedValue = Readonly<{ pd: 1; kid: string; ct: string }>;

export const isSealedValue = (value: unknown): value is SealedValue =>
  typeof value === 'object' &&
  value !== null &&
  (value as SealedValue).pd === 1 &&
  typeof (value as SealedValue).kid === 'string' &&
  typeof (value as SealedValue).ct === 'string';

/**
 * Whether `opened` is `stored` with sealed values opened: equal everywhere, except that where
 * `stored` holds a sealed value `opened` holds a string. `erased` tells whether one of those
 * strings is `[erased]` (its key destroyed, so it cannot be checked against any hash).
 */
export function openedFrom(opened: unknown, stored: unknown): Readonly<{ matches: boolean; erased: boolean }> {
  let erased = false;
  const walk = (a: unknown, b: unknown): boolean => {
    if (isSealedValue(b)) {
      if (typeof a !== 'string') return false;
      if (a === ERASED_PERSONAL_DATA) erased = true;
      return true;
    }
    if (Array.isArray(b)) return Array.isArray(a) && a.length === b.length && b.every((entry, index) => walk(a[index], entry));
    if (typeof b === 'object' && b !== null) {
      if (typeof a !== 'object' || a === null || Array.isArray(a)) return false;
      const keys = Object.keys(b);
      return keys.length === Object.keys(a).length && keys.every((key) => Object.hasOwn(a, key) && walk((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
    }
    return a === b;
  };
  const matches = walk(opened, stored);
  return { matches, erased: matches && erased };
}

/**
 * Checks that no two contracts claim the same name, event type or streams (one prefix being a
 * prefix of another's counts: their streams would overlap). Throws naming both claimants.
 */
export function assertDisjointContracts(contracts: readonly ContextContract[]): void {
  const problems: string[] = [];
  contracts.forEach((contract, index) => {
    problems.push(...orderingProblemsOf(contract));
    for (const type of contract.staffOnlyEventTypes ?? []) {
      if (!contract.eventTypes.includes(type)) problems.push(`context ${contract.name} declares ${type} staff-only but does not publish it`);
    }
    for (const [type, personal] of Object.entries(contract.personalData ?? {})) {
      if (!contract.eventTypes.includes(type)) problems.push(`context ${contract.name} declares personal data in ${type} but does not publish it`);
      if (personal.fields.length === 0 || personal.fields.some((path) => !/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/.test(path))) {
        problems.push(`context ${contract.name} declares personal data in ${type} with a field list that is empty or not dot paths`);
      }
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

/** Entity prefixes and singletons must lie within the context's own streams, or they would key another's. */
function orderingProblemsOf(contract: ContextContract): string[] {
  const problems: string[] = [];
  for (const [prefix, entity] of Object.entries(contract.entityStreams ?? {})) {
    if (!contract.streamPrefixes.includes(prefix)) problems.push(`entity streams "${prefix}…" of ${contract.name} are not among its stream prefixes`);
    if (entity.length === 0) problems.push(`entity streams "${prefix}…" of ${contract.name} name no entity`);
  }
  for (const name of contract.singletonStreams ?? []) {
    if (!contract.streamPrefixes.some((prefix) => name.startsWith(prefix) && name.length > prefix.length)) {
      problems.push(`singleton stream ${name} of ${contract.name} is not within its stream prefixes`);
    }
  }
  return problems;
}
