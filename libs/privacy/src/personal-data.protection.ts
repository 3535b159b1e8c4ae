import { ERASED_PERSONAL_DATA, PERSONAL_DATA, streams, type PersonalDataFields } from '@ticketing/contracts';
import type { EventStore, NewEvent, RecordedEvent } from '@ticketing/event-store';
import { type Clock, SystemClock } from '@ticketing/kernel';
import { fieldKeysOf, isSealedValue, openField, sealField, type FieldKeys, type SealedValue } from './field.cipher';
import type { SubjectKey, SubjectKeyStore } from './subject-key.store';

export type PersonalDataProtectionOptions = Readonly<{
  keys: SubjectKeyStore;
  /** The store as recorded, to learn a ticket's customer from its TicketOpened. */
  storedEvents: EventStore;
  /** Where events carry personal data; default every context's declaration (PERSONAL_DATA). */
  policy?: ReadonlyMap<string, PersonalDataFields>;
  /**
   * How long a key read for opening values is trusted before the key store is asked again, default
   * 2000 ms: an erasure made by another process is seen everywhere within it. Keys for sealing are
   * always read from the store, so nothing new is sealed under a destroyed key.
   */
  keyCacheMs?: number;
  clock?: Clock;
}>;

type Data = Readonly<Record<string, unknown>>;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function valueAt(data: Data, path: readonly string[]): unknown {
  let value: unknown = data;
  for (const key of path) {
    if (!isRecord(value) || !Object.hasOwn(value, key)) return undefined;
    value = value[key];
  }
  return value;
}

/** `data` with the value at `path` replaced, copying only the objects along the path. */
function withValueAt(data: Data, path: readonly string[], value: unknown): Data {
  const [key, ...rest] = path;
  return { ...data, [key]: rest.length === 0 ? value : withValueAt(data[key] as Data, rest, value) };
}

const MAX_REMEMBERED_TICKETS = 100_000;
const MAX_OPENED_EVENTS = 10_000;
/** Customers' keys held derived at once: every cache here is bounded, however many customers pass. */
const MAX_CACHED_KEYS = 10_000;
const placeOf = (event: RecordedEvent): string => `${event.streamName}\u0000${event.streamRevision}`;

/** Sets `key` in `map`, forgetting the oldest entry first when the map is full. */
function setBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  if (!map.has(key) && map.size >= max) map.delete(map.keys().next().value!);
  map.set(key, value);
}

/** Thrown when an event with personal data names no subject whose key could seal it. */
export class UnknownDataSubjectError extends Error {
  override readonly name = 'UnknownDataSubjectError';
}

/**
 * Seals the personal fields of events on their way into the store and opens them on the way out
 * (crypto-shredding): each value is encrypted under its customer's key, so hashes cover the
 * ciphertext, and once the key is erased the value reads as `[erased]` everywhere.
 */
export class PersonalDataProtection {
  private readonly policy: ReadonlyMap<string, Readonly<{ subject: PersonalDataFields['subject']; paths: readonly (readonly string[])[]; fields: readonly string[] }>>;
  private readonly keyCacheMs: number;
  private readonly clock: Clock;
  private readonly openingKeys = new Map<string, { keys: FieldKeys; until: number }>();
  private readonly erasedKeys = new Set<string>();
  private readonly derived = new Map<string, FieldKeys>();
  private readonly ticketCustomers = new Map<string, string>();
  /** Opened data of recently read events: the consumers and projections of a process read the same events. */
  private readonly opened = new Map<string, { data: Readonly<Record<string, unknown>>; until: number }>();

  constructor(private readonly options: PersonalDataProtectionOptions) {
    const policy = options.policy ?? PERSONAL_DATA;
    this.policy = new Map([...policy].map(([type, spec]) => [type, { subject: spec.subject, fields: spec.fields, paths: spec.fields.map((field) => field.split('.')) }]));
    this.keyCacheMs = options.keyCacheMs ?? 2_000;
    this.clock = options.clock ?? new SystemClock();
  }

  get keys(): SubjectKeyStore {
    return this.options.keys;
  }

  /** The events with their personal fields sealed; the same array when none has any. */
  async seal(events: readonly NewEvent[]): Promise<readonly NewEvent[]> {
    let sealed: NewEvent[] | undefined;
    for (let i = 0; i < events.length; i++) {
      const event = events[i];
      const spec = this.policy.get(event.type);
      if (!spec) continue;
      let data = event.data;
      let keys: FieldKeys | undefined;
      for (let p = 0; p < spec.paths.length; p++) {
        const value = valueAt(data, spec.paths[p]);
        if (typeof value !== 'string') continue;
        keys ??= this.derive(await this.options.keys.currentKey(await this.subjectOf(spec.subject, event)));
        data = withValueAt(data, spec.paths[p], sealField(keys, `${event.id}\u0000${spec.fields[p]}`, value));
      }
      if (data === event.data) continue;
      sealed ??= [...events];
      sealed[i] = { ...event, data };
    }
    return sealed ?? events;
  }

  /** The event with its personal fields opened (or `[erased]`); the same object when it has none. */
  reveal(event: RecordedEvent): RecordedEvent | Promise<RecordedEvent> {
    const spec = this.policy.get(event.type);
    if (!spec || !spec.paths.some((path) => isSealedValue(valueAt(event.data, path)))) return event;
    const cached = this.opened.get(placeOf(event));
    if (cached !== undefined && cached.until > this.clock.now().getTime()) return { ...event, data: cached.data };
    return this.open(event, spec.paths, spec.fields);
  }

  /** Forgets cached keys of an erasure made in this process at once (others' within keyCacheMs). */
  forgetKeys(keyIds: readonly string[]): void {
    this.opened.clear();
    for (const id of keyIds) {
      this.openingKeys.delete(id);
      this.derived.delete(id);
      this.erasedKeys.add(id);
    }
  }

  private async open(event: RecordedEvent, paths: readonly (readonly string[])[], fields: readonly string[]): Promise<RecordedEvent> {
    let data = event.data;
    for (let p = 0; p < paths.length; p++) {
      const value = valueAt(data, paths[p]);
      if (!isSealedValue(value)) continue;
      const keys = await this.openingKeysOf(value);
      let plain: string;
      if (keys === undefined) plain = ERASED_PERSONAL_DATA;
      else {
        try {
          plain = openField(keys, `${event.id}\u0000${fields[p]}`, value);
        } catch {
          throw new Error(`Personal data ${fields[p]} of event ${event.id} (${event.streamName}@${event.streamRevision}) does not open: it was altered`);
        }
      }
      data = withValueAt(data, paths[p], plain);
    }
    // Trusted as long as the keys that opened it are (keyCacheMs), like them.
    setBounded(this.opened, placeOf(event), { data, until: this.clock.now().getTime() + this.keyCacheMs }, MAX_OPENED_EVENTS);
    return { ...event, data };
  }

  private async openingKeysOf(sealed: SealedValue): Promise<FieldKeys | undefined> {
    if (this.erasedKeys.has(sealed.kid)) return undefined;
    const now = this.clock.now().getTime();
    const cached = this.openingKeys.get(sealed.kid);
    if (cached && cached.until > now) return cached.keys;
    const key = await this.options.keys.keyById(sealed.kid);
    if (!key) {
      this.openingKeys.delete(sealed.kid);
      this.derived.delete(sealed.kid);
      this.erasedKeys.add(sealed.kid);
      return undefined;
    }
    const keys = this.derive(key);
    setBounded(this.openingKeys, sealed.kid, { keys, until: now + this.keyCacheMs }, MAX_CACHED_KEYS);
    return keys;
  }

  private derive(key: SubjectKey): FieldKeys {
    let keys = this.derived.get(key.id);
    if (!keys) {
      keys = fieldKeysOf(key);
      setBounded(this.derived, key.id, keys, MAX_CACHED_KEYS);
    }
    return keys;
  }

  private async subjectOf(subject: PersonalDataFields['subject'], event: NewEvent): Promise<string> {
    const ticketId = event.data['ticketId'];
    if (subject !== 'ticket') {
      const customerId = valueAt(event.data, subject.field.split('.'));
      if (typeof customerId !== 'string' || customerId.length === 0) {
        throw new UnknownDataSubjectError(`${event.type} ${event.id} holds personal data but no ${subject.field} to say whose`);
      }
      if (typeof ticketId === 'string') this.rememberTicket(ticketId, customerId);
      return customerId;
    }
    if (typeof ticketId !== 'string') throw new UnknownDataSubjectError(`${event.type} ${event.id} holds personal data but no ticketId to say whose`);
    const known = this.ticketCustomers.get(ticketId);
    if (known !== undefined) return known;
    for await (const opened of this.options.storedEvents.readStream(streams.ticket(ticketId), { max: 1 })) {
      const customerId = opened.data['customerId'];
      if (typeof customerId === 'string') {
        this.rememberTicket(ticketId, customerId);
        return customerId;
      }
    }
    throw new UnknownDataSubjectError(`${event.type} ${event.id} holds personal data of ticket ${ticketId}, which has no customer on record`);
  }

  // A ticket's customer never changes: remembered, oldest forgotten first.
  private rememberTicket(ticketId: string, customerId: string): void {
    if (!this.ticketCustomers.has(ticketId)) setBounded(this.ticketCustomers, ticketId, customerId, MAX_REMEMBERED_TICKETS);
  }
}
