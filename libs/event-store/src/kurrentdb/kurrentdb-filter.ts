import { eventTypeFilter, streamNameFilter, type Filter } from '@kurrent/kurrentdb-client';
import type { NormalizedFilter } from '../paged-reading';
import type { StreamNames } from './kurrentdb-event.codec';

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The filter the server applies to a $all read or subscription, so events nobody asked for never
 * cross the wire. The server takes one expression, on stream names or on event types, so:
 *   - stream prefixes given: those prefixes (inside the namespace) — usually the narrower of the two;
 *   - only event types, no namespace: an anchored regex of exactly those types (the server's
 *     event-type *prefixes* would also match `TicketOpenedV2` for `TicketOpened`);
 *   - only event types in a namespace: the namespace prefix (the types are checked here);
 *   - nothing: the namespace prefix, or "not a `$` system stream".
 * Readers always re-check the whole filter on what arrives, so the part the server could not apply,
 * and the exclusion of system and foreign events, hold whatever the server did.
 */
export function serverFilterFor(filter: NormalizedFilter | undefined, names: StreamNames): Filter {
  if (filter?.streamPrefixes) {
    return streamNameFilter({ prefixes: filter.streamPrefixes.map((prefix) => names.namespace + prefix) });
  }
  if (names.namespace.length > 0) return streamNameFilter({ prefixes: [names.namespace] });
  if (filter?.eventTypes) {
    return eventTypeFilter({ regex: `^(?:${filter.eventTypes.map(escapeRegex).join('|')})$` });
  }
  return streamNameFilter({ regex: '^[^$]' });
}
