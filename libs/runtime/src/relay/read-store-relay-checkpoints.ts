import { type Kysely } from 'kysely';
import type { Clock } from '@ticketing/kernel';
import type { RelayCheckpointStore } from '@ticketing/messaging';
import type { ReadStore } from '@ticketing/read-store';

type RelayTables = { relay_checkpoints: { name: string; position: number | string; updated_at: string } };

const TABLE = 'relay_checkpoints';

/**
 * Relay checkpoints in the read store (PostgreSQL in production): where a relay keeps them when the
 * event store is a server (KurrentDB) and the pod's disk is not durable. A checkpoint never moves
 * back, so a stale relay instance saving late cannot make the next one republish further than needed.
 */
export class ReadStoreRelayCheckpoints implements RelayCheckpointStore {
  private readonly db: Kysely<RelayTables>;
  private ready: Promise<void> | undefined;

  constructor(
    readStore: ReadStore,
    private readonly clock: Clock,
  ) {
    this.db = readStore.db as Kysely<RelayTables>;
  }

  async loadCheckpoint(name: string): Promise<number> {
    await this.ensureTable();
    const row = await this.db.selectFrom(TABLE).select('position').where('name', '=', name).executeTakeFirst();
    return row ? Number(row.position) : 0;
  }

  async saveCheckpoint(name: string, position: number): Promise<void> {
    await this.ensureTable();
    const updatedAt = this.clock.now().toISOString();
    await this.db
      .insertInto(TABLE)
      .values({ name, position, updated_at: updatedAt })
      .onConflict((conflict) =>
        conflict
          .column('name')
          .doUpdateSet({ position, updated_at: updatedAt })
          .where(`${TABLE}.position`, '<', position),
      )
      .execute();
  }

  private ensureTable(): Promise<void> {
    this.ready ??= this.createTable().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  private async createTable(): Promise<void> {
    const create = () =>
      this.db.schema
        .createTable(TABLE)
        .ifNotExists()
        .addColumn('name', 'varchar(200)', (column) => column.primaryKey())
        .addColumn('position', 'bigint', (column) => column.notNull())
        .addColumn('updated_at', 'varchar(40)', (column) => column.notNull())
        .execute();
    try {
      await create();
    } catch {
      // Two replicas creating it at once: PostgreSQL's IF NOT EXISTS can still lose that race once.
      await create();
    }
  }
}
