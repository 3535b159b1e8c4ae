import { resolve } from 'node:path';
import { ValidationError } from '@ticketing/kernel';
import type { EventStore } from './event-store.port';
import { KurrentDbEventStore, type KurrentDbEventStoreOptions } from './kurrentdb/kurrentdb-event-store.adapter';
import { MemoryEventStore } from './memory/memory-event-store.adapter';
import { SqliteEventStore, type SqliteEventStoreOptions } from './sqlite/sqlite-event-store.adapter';
import type { CommonEventStoreOptions } from './store-options';

/** Options for `openEventStore`; adapter-specific ones are ignored by the other adapters. */
export type OpenEventStoreOptions = CommonEventStoreOptions &
  Partial<Pick<SqliteEventStoreOptions, 'synchronous' | 'busyTimeoutMs' | 'pollIntervalMs'>> &
  Partial<Pick<KurrentDbEventStoreOptions, 'deadlineMs' | 'streamNamespace' | 'reconnect' | 'onSubscriptionDropped'>>;

type Opener = (location: string, url: string, options: OpenEventStoreOptions) => Promise<EventStore>;

/** EventStoreDB / KurrentDB: the whole URL is the client's connection string. */
const openKurrentDb: Opener = async (_location, url, options) => {
  try {
    return new KurrentDbEventStore({ ...options, connectionString: url });
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    throw invalidUrl(url, error instanceof Error ? error.message : String(error));
  }
};

/** One opener per URL scheme: adding an adapter changes nothing for callers of `openEventStore`. */
const openers: Readonly<Record<string, Opener>> = {
  memory: async (_location, _url, options) => new MemoryEventStore(options),
  sqlite: async (location, url, options) => {
    // `sqlite:data/events.db`, `sqlite:/abs/events.db` and `sqlite:///abs/events.db` all name a file.
    const path = location.startsWith('//') ? location.slice(2) : location;
    if (path.length === 0 || path === ':memory:') {
      throw invalidUrl(url, 'sqlite: needs a file path, e.g. sqlite:./data/events.db');
    }
    const file = resolve(path);
    return new SqliteEventStore({ ...options, path: file });
  },
  kurrentdb: openKurrentDb,
  'kurrentdb+discover': openKurrentDb,
  esdb: openKurrentDb,
  'esdb+discover': openKurrentDb,
};

function invalidUrl(url: string, message: string): ValidationError {
  return new ValidationError(`Invalid event store URL "${url}": ${message}`, [{ field: 'eventStoreUrl', message }]);
}

/** The event store URL schemes this build can open. */
export const supportedEventStoreSchemes = (): readonly string[] => Object.keys(openers);

/**
 * Opens the event store a URL names (TICKETING_EVENT_STORE): `memory:`, `sqlite:<path>` (parent
 * directories are created), or an EventStoreDB/KurrentDB connection string (`kurrentdb://`,
 * `kurrentdb+discover://`, `esdb://`, `esdb+discover://`). Any other scheme is rejected with the
 * list of allowed ones.
 */
export async function openEventStore(url: string, options: OpenEventStoreOptions = {}): Promise<EventStore> {
  const match = /^([a-z][a-z0-9+.-]*):(.*)$/i.exec(url.trim());
  const allowed = supportedEventStoreSchemes()
    .map((scheme) => `${scheme}:`)
    .join(', ');
  if (!match) throw invalidUrl(url, `expected <scheme>:<location>; supported schemes: ${allowed}`);
  const [, scheme, location] = match;
  const opener = Object.hasOwn(openers, scheme.toLowerCase()) ? openers[scheme.toLowerCase()] : undefined;
  if (!opener) throw invalidUrl(url, `unsupported scheme "${scheme}:"; supported schemes: ${allowed}`);
  return opener(location, url, options);
}
