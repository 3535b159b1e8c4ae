import type { Kysely, Transaction } from 'kysely';
import type { RecordedEvent } from '@ticketing/event-store';
import { newId } from '@ticketing/kernel';
import type { ReadStore } from './read-store.factory';
import { lockNamespace, migrateInTransaction, type ReadStoreTables } from './read-store.schema';
import { matchesFilter, type AnyProjectionDefinition } from './projection';
import { ApplyError, CheckpointMovedError, ProjectionVersionError, type ProjectionFailure } from './projection.errors';

export type StoredCheckpoint = Readonly<{ name: string; position: number; version: number; updatedAt: string }>;

export type PreparedProjection = Readonly<{
  position: number;
  /** True when the tables were (re)created empty and the projection must replay from the start. */
  reset: boolean;
  migrated: readonly string[];
}>;

const namespaceOf = (projection: string): string => `projection:${projection}`;

const typed = (store: ReadStore): Kysely<ReadStoreTables> => store.db as Kysely<ReadStoreTables>;

/**
 * A write transaction on the store. On PostgreSQL explicitly READ COMMITTED, whatever the server's
 * default: the checkpoint's conditional UPDATE must, after waiting for another writer's row lock,
 * re-check its WHERE against the committed row and match 0 rows (CheckpointMovedError), where
 * REPEATABLE READ or SERIALIZABLE would fail with a serialization error instead; each later statement
 * then sees what committed before it, e.g. the tables another process's migration created.
 */
const writeTransaction = (store: ReadStore) => {
  const builder = typed(store).transaction();
  return store.dialect === 'postgres' ? builder.setIsolationLevel('read committed') : builder;
};

/**
 * Makes a projection ready to apply events, in one transaction under its namespace lock: runs pending
 * migrations, or — when forced, never built, or built by an older version — drops its tables, forgets
 * its migrations, migrates from scratch and puts the checkpoint at 0.
 *
 * Lock order, on PostgreSQL: namespace row, then checkpoint row (FOR UPDATE), then the tables. A batch
 * takes the checkpoint row, then the tables; so a reset waits for the batch in flight (or the batch
 * waits for the reset and then finds the checkpoint moved) instead of the two deadlocking over a
 * dropped table and the checkpoint row. On SQLite the namespace upsert already holds the database's
 * single write lock.
 */
export async function prepareProjection(
  store: ReadStore,
  definition: AnyProjectionDefinition,
  options: Readonly<{ forceReset: boolean; now: string }>,
): Promise<PreparedProjection> {
  const { name, version } = definition;
  return writeTransaction(store).execute(async (trx) => {
    await lockNamespace(trx, namespaceOf(name), options.now);
    const row = await trx
      .selectFrom('projection_checkpoints')
      .select(['position', 'version'])
      .where('name', '=', name)
      .$if(store.dialect === 'postgres', (query) => query.forUpdate())
      .executeTakeFirst();
    if (row && row.version > version && !options.forceReset) throw new ProjectionVersionError(name, row.version, version);
    const reset = options.forceReset || !row || row.version !== version;
    if (reset) {
      for (const table of [...definition.tables].reverse()) await trx.schema.dropTable(table).ifExists().execute();
      await trx.deleteFrom('read_store_migrations').where('namespace', '=', namespaceOf(name)).execute();
    }
    const migrated = await migrateInTransaction(trx, namespaceOf(name), definition.migrations, options.now);
    if (reset) {
      await trx
        .insertInto('projection_checkpoints')
        .values({ name, position: 0, version, updated_at: options.now })
        .onConflict((oc) => oc.column('name').doUpdateSet({ position: 0, version, updated_at: options.now }))
        .execute();
    }
    return { position: reset || !row ? 0 : Number(row.position), reset, migrated };
  });
}

/**
 * Applies `events` (those matching the projection's filter) and moves the checkpoint from `from` to the
 * last event's position, in ONE transaction: both become visible together or not at all. The checkpoint
 * update comes first and is conditional on the position and version this process last saw, so a second
 * process (a CLI rebuild, another replica) can never make an event apply twice: the loser gets
 * CheckpointMovedError and nothing of its batch is written. That first statement also serialises the
 * writers: SQLite's database write lock, PostgreSQL's lock on the checkpoint row, both held to commit.
 */
export async function commitBatch(
  store: ReadStore,
  definition: AnyProjectionDefinition,
  from: number,
  events: readonly RecordedEvent[],
  now: string,
): Promise<number> {
  const to = events[events.length - 1].globalPosition;
  await writeTransaction(store).execute(async (trx) => {
    const moved = await trx
      .updateTable('projection_checkpoints')
      .set({ position: to, updated_at: now })
      .where('name', '=', definition.name)
      .where('position', '=', from)
      .where('version', '=', definition.version)
      .executeTakeFirst();
    if (moved.numUpdatedRows !== 1n) throw new CheckpointMovedError(definition.name, from);
    const projectionTrx = trx as unknown as Transaction<unknown>;
    for (const [index, event] of events.entries()) {
      if (!matchesFilter(definition.filter, event)) continue;
      try {
        await definition.apply(projectionTrx, event);
      } catch (error) {
        throw new ApplyError(index, error);
      }
    }
  });
  return to;
}

export async function recordFailure(store: ReadStore, failure: ProjectionFailure): Promise<void> {
  await typed(store)
    .insertInto('projection_failures')
    .values({
      id: newId(),
      projection: failure.projection,
      version: failure.version,
      position: failure.position,
      event_id: failure.eventId,
      event_type: failure.eventType,
      stream_name: failure.streamName,
      error: failure.error.slice(0, 8000),
      attempts: failure.attempts,
      failed_at: failure.failedAt,
    })
    .execute();
}

/** Checkpoints as stored (for a CLI `status` that runs beside the server). */
export async function readCheckpoints(store: ReadStore): Promise<StoredCheckpoint[]> {
  const rows = await typed(store).selectFrom('projection_checkpoints').selectAll().execute();
  // Sorted here, by code point: ORDER BY would follow the PostgreSQL database's collation.
  rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return rows.map((row) => ({
    name: row.name,
    position: Number(row.position),
    version: row.version,
    updatedAt: row.updated_at,
  }));
}

/** Recorded failures, newest first: every time a projection stopped rather than skip an event. */
export async function listProjectionFailures(
  store: ReadStore,
  options: Readonly<{ projection?: string; limit?: number }> = {},
): Promise<ProjectionFailure[]> {
  let query = typed(store).selectFrom('projection_failures').selectAll();
  if (options.projection !== undefined) query = query.where('projection', '=', options.projection);
  const rows = await query
    .orderBy('failed_at', 'desc')
    .limit(options.limit ?? 100)
    .execute();
  return rows.map((row) => ({
    projection: row.projection,
    version: row.version,
    position: Number(row.position),
    eventId: row.event_id,
    eventType: row.event_type,
    streamName: row.stream_name,
    error: row.error,
    attempts: row.attempts,
    failedAt: row.failed_at,
  }));
}
