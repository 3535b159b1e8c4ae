import type { Kysely, Transaction } from 'kysely';
import type { EventStore, NewEvent, RecordedEvent } from '@ticketing/event-store';
import { defineProjection, type ProjectionDefinition } from '../projection';

/** Tables of the sample projection the tests drive: a count per stream and a log of every apply. */
export interface StreamCountsTables {
  stream_counts: { stream_name: string; events: number; last_position: number | string };
  /** Deliberately without a unique key: a double apply shows up as a duplicate row instead of an error. */
  stream_count_log: { position: number | string; event_id: string };
}

export type StreamCountsOptions = Readonly<{
  name?: string;
  version?: number;
  /** Added per event: version 2 of the sample counts ×10, so a rebuild by new code is visible. */
  weight?: number;
  eventTypes?: readonly string[];
  streamPrefixes?: readonly string[];
  /** Runs inside the batch transaction before the event's rows are written: throw, gate or crash here. */
  beforeApply?: (event: RecordedEvent, trx: Transaction<StreamCountsTables>) => Promise<void> | void;
  /** Extra migrations (e.g. one added later without a version bump). */
  extraMigrations?: ProjectionDefinition['migrations'];
}>;

export function streamCountsProjection(options: StreamCountsOptions = {}): ProjectionDefinition<StreamCountsTables> {
  const weight = options.weight ?? 1;
  // Counts any event, public or not, as stored.
  return defineProjection<StreamCountsTables, RecordedEvent>({
    name: options.name ?? 'stream-counts',
    version: options.version ?? 1,
    eventTypes: options.eventTypes,
    streamPrefixes: options.streamPrefixes,
    tables: ['stream_counts', 'stream_count_log'],
    migrations: {
      '0001-create': {
        async up(db) {
          await db.schema
            .createTable('stream_counts')
            .addColumn('stream_name', 'varchar(200)', (col) => col.primaryKey())
            .addColumn('events', 'integer', (col) => col.notNull())
            .addColumn('last_position', 'bigint', (col) => col.notNull())
            .execute();
          await db.schema
            .createTable('stream_count_log')
            .addColumn('position', 'bigint', (col) => col.notNull())
            .addColumn('event_id', 'varchar(200)', (col) => col.notNull())
            .execute();
        },
      },
      ...options.extraMigrations,
    },
    async apply(trx, event) {
      await options.beforeApply?.(event, trx);
      await trx
        .insertInto('stream_counts')
        .values({ stream_name: event.streamName, events: weight, last_position: event.globalPosition })
        .onConflict((oc) =>
          oc.column('stream_name').doUpdateSet((eb) => ({
            events: eb('stream_counts.events', '+', weight),
            last_position: eb.ref('excluded.last_position'),
          })),
        )
        .execute();
      await trx.insertInto('stream_count_log').values({ position: event.globalPosition, event_id: event.id }).execute();
    },
  });
}

export type StreamCountsSnapshot = Readonly<{
  counts: Readonly<Record<string, number>>;
  positions: readonly number[];
  checkpoint: number | undefined;
}>;

/** What the projection holds, read through `db` (open a second store to look from another connection). */
export async function snapshot(db: Kysely<unknown>, name = 'stream-counts'): Promise<StreamCountsSnapshot> {
  const typed = db as Kysely<StreamCountsTables & { projection_checkpoints: { name: string; position: number | string } }>;
  const counts = await typed.selectFrom('stream_counts').select(['stream_name', 'events']).orderBy('stream_name').execute();
  const log = await typed.selectFrom('stream_count_log').select('position').orderBy('position').execute();
  const checkpoint = await typed
    .selectFrom('projection_checkpoints')
    .select('position')
    .where('name', '=', name)
    .executeTakeFirst();
  return {
    counts: Object.fromEntries(counts.map((row) => [row.stream_name, row.events])),
    positions: log.map((row) => Number(row.position)),
    checkpoint: checkpoint === undefined ? undefined : Number(checkpoint.position),
  };
}

let sequence = 0;

/** Appends `count` events to `streamName` (ids deterministic per label, so processes can agree). */
export async function appendNoted(
  store: EventStore,
  streamName: string,
  count: number,
  options: Readonly<{ type?: string; label?: string }> = {},
): Promise<number> {
  const label = options.label ?? `n${++sequence}`;
  const events: NewEvent[] = Array.from({ length: count }, (_, index) => ({
    id: `${label}-${streamName}-${index}`,
    type: options.type ?? 'TicketNoted',
    schemaVersion: 1,
    data: { index },
    metadata: {
      ticketId: streamName,
      correlationId: label,
      causationId: label,
      actor: { kind: 'system', id: 'test' },
      occurredAt: '2026-01-01T00:00:00.000Z',
    },
  }));
  const result = await store.append(streamName, events, { expectedRevision: 'any' });
  return result.lastGlobalPosition;
}

/** Expected counts when every event of the log was applied exactly once (weight per event). */
export async function expectedCounts(
  store: EventStore,
  filter: (event: RecordedEvent) => boolean = () => true,
  weight = 1,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for await (const event of store.readAll()) {
    if (filter(event)) counts[event.streamName] = (counts[event.streamName] ?? 0) + weight;
  }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}
