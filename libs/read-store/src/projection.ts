import type { Migration, Transaction } from 'kysely';
import { upcastPublicEvent, type PublicEvent, type Upcast } from '@ticketing/contracts';
import type { EventFilter, RecordedEvent } from '@ticketing/event-store';
import type { Event } from '@ticketing/kernel';

/**
 * A projection: tables in the read store kept up to date from the event log.
 *
 * - `name` identifies its checkpoint and migrations; never rename a live projection.
 * - `version`: bump it whenever `apply` or the migrations change meaning; on start the runner then
 *   drops the tables and rebuilds them from the event store.
 * - `filter` is pushed down to the event store; `apply` sees only matching events, each exactly once.
 * - `migrations` create the tables (Kysely schema builder only, so SQLite and PostgreSQL both run them);
 *   they run in name order inside a transaction, so they must not open transactions of their own.
 * - `tables` are dropped, in reverse order, on every rebuild; keep a retired table listed until no
 *   database still has it.
 */
export interface ProjectionDefinition<DB = unknown> {
  readonly name: string;
  readonly version: number;
  readonly filter: EventFilter;
  readonly migrations: Readonly<Record<string, Migration>>;
  readonly tables: readonly string[];
  /**
   * Applies one event, as stored, inside the batch transaction that also moves the checkpoint
   * (`defineProjection` upcasts it before the projection's own `apply` sees it).
   */
  apply(trx: Transaction<DB>, event: RecordedEvent): Promise<void>;
}

/** The event a projection's `apply` gets: the recorded event upcast to its current shape by its context's contract. */
export type ProjectedEvent<E extends Event = PublicEvent> = Upcast<RecordedEvent, E>;

export type DefineProjectionInput<DB, E extends Event = PublicEvent> = Readonly<{
  name: string;
  version: number;
  /**
   * Event types to receive; absent or empty = every type (within `streamPrefixes`). Another
   * context's events are selected by their public types, never by its stream names.
   */
  eventTypes?: readonly E['type'][];
  /** Stream name prefixes to receive (e.g. `ticket-`); absent or empty = every stream. */
  streamPrefixes?: readonly string[];
  migrations: Readonly<Record<string, Migration>>;
  tables: readonly string[];
  /**
   * Applies one event, upcast to its current shape, inside the batch transaction that also moves
   * the checkpoint. Use only `trx`, never the ReadStore's `db`: a write outside `trx` would not
   * roll back with the batch.
   */
  apply(trx: Transaction<DB>, event: ProjectedEvent<E>): Promise<void>;
}>;

const NAME = /^[a-z][a-z0-9_-]{0,99}$/;

/**
 * Validates and freezes a projection definition; `DB` types the tables `apply` writes, `E` the
 * events its filter selects (default: every public event).
 */
export function defineProjection<DB, E extends Event = PublicEvent>(input: DefineProjectionInput<DB, E>): ProjectionDefinition<DB> {
  if (!NAME.test(input.name)) {
    throw new Error(`Projection name "${input.name}" must match ${NAME} (it names checkpoints and migrations)`);
  }
  if (!Number.isSafeInteger(input.version) || input.version < 1) {
    throw new Error(`Projection ${input.name}: version must be a positive integer, got ${input.version}`);
  }
  if (Object.keys(input.migrations).length === 0) throw new Error(`Projection ${input.name}: no migrations`);
  if (input.tables.length === 0) throw new Error(`Projection ${input.name}: declare the tables it owns`);
  if (new Set(input.tables).size !== input.tables.length) throw new Error(`Projection ${input.name}: duplicate tables`);
  const filter: EventFilter = Object.freeze({
    eventTypes: Object.freeze([...(input.eventTypes ?? [])]),
    streamPrefixes: Object.freeze([...(input.streamPrefixes ?? [])]),
  });
  return Object.freeze({
    name: input.name,
    version: input.version,
    filter,
    migrations: Object.freeze({ ...input.migrations }),
    tables: Object.freeze([...input.tables]),
    apply: (trx: Transaction<DB>, event: RecordedEvent) => input.apply(trx, upcastPublicEvent(event) as ProjectedEvent<E>),
  });
}

/** Whether an event passes a filter: every non-empty criterion must hold. */
export function matchesFilter(filter: EventFilter, event: Pick<RecordedEvent, 'type' | 'streamName'>): boolean {
  const types = filter.eventTypes ?? [];
  const prefixes = filter.streamPrefixes ?? [];
  return (
    (types.length === 0 || types.includes(event.type)) &&
    (prefixes.length === 0 || prefixes.some((prefix) => event.streamName.startsWith(prefix)))
  );
}

/** A projection over any tables, as the runner holds them side by side. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each projection types its own tables
export type AnyProjectionDefinition = ProjectionDefinition<any>;
