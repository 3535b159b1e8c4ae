import type { Logger } from '@nestjs/common';
import type { Kysely } from 'kysely';
import type { CustomerDataErased } from '@ticketing/contracts';
import type { EventStore, EventSubscription } from '@ticketing/event-store';
import type { IdempotencyStore } from '@ticketing/platform';
import type { PersonalDataProtection } from '@ticketing/privacy';
import type { ProjectionRunner, ReadStore } from '@ticketing/read-store';

export type ErasureFollowerOptions = Readonly<{
  eventStore: EventStore;
  readStore: ReadStore;
  /** The process's idempotency keys: responses about the erased customer are dropped from it. */
  idempotency: IdempotencyStore;
  protection: PersonalDataProtection;
  projections: ProjectionRunner;
  logger: Pick<Logger, 'log' | 'error'>;
}>;

type ErasureTables = { erasure_rebuilds: { projection: string; position: number } };

const ERASURE_TYPES = ['CustomerDataErased'] satisfies CustomerDataErased['type'][];

/**
 * Makes an erasure (CustomerDataErased, from any process) reach this process: its cached keys are
 * dropped, stored idempotent responses about the customer are dropped, and each of its read models
 * that may hold the customer's personal data in clear is rebuilt, so it reads `[erased]` there too.
 * Which erasures a read model already reflects is kept in the read store (`erasure_rebuilds`: the
 * log head when its last such replay started), so an erasure made while the process was down is
 * caught at its next start, and none is acted on twice.
 */
export class ErasureFollower {
  private subscription: EventSubscription | undefined;
  private following: Promise<void> | undefined;
  private readonly db: Kysely<ErasureTables>;
  private handledUpTo = 0;
  private readonly waiters = new Set<Readonly<{ position: number; resolve: () => void }>>();

  constructor(private readonly options: ErasureFollowerOptions) {
    this.db = options.readStore.db as Kysely<ErasureTables>;
  }

  /** Call after the projections started. */
  async start(): Promise<void> {
    const { projections, eventStore } = this.options;
    await this.db.schema
      .createTable('erasure_rebuilds')
      .ifNotExists()
      .addColumn('projection', 'varchar(100)', (column) => column.primaryKey())
      .addColumn('position', 'bigint', (column) => column.notNull())
      .execute();
    const reflected = await this.reflected();
    const positions = projections.projectionNames.map((name) => reflected.get(name) ?? 0);
    const fromPosition = positions.length > 0 ? Math.min(...positions) : await eventStore.headPosition();
    this.subscription = eventStore.subscribe({ fromPosition, filter: { eventTypes: ERASURE_TYPES } });
    this.following = this.follow(this.subscription);
  }

  async stop(): Promise<void> {
    await this.subscription?.close();
    await this.following;
  }

  /** Resolves once the erasure recorded at `position` (or later) has been acted on here: keys forgotten, read models replayed. */
  handled(position: number): Promise<void> {
    if (this.handledUpTo >= position) return Promise.resolve();
    return new Promise((resolve) => this.waiters.add({ position, resolve }));
  }

  private async reflected(): Promise<Map<string, number>> {
    const rows = await this.db.selectFrom('erasure_rebuilds').select(['projection', 'position']).execute();
    return new Map(rows.map((row) => [row.projection, Number(row.position)]));
  }

  private async follow(subscription: EventSubscription): Promise<void> {
    const { protection, projections, eventStore, idempotency, logger } = this.options;
    try {
      for await (const event of subscription) {
        const { data } = event as unknown as CustomerDataErased;
        protection.forgetKeys(data.destroyedKeyIds ?? []);
        // Stored idempotent responses are copies too; replaying one after the erasure is refused instead.
        await idempotency
          .eraseResponsesAbout(data.customerId)
          .catch((error: unknown) => logger.error(`Dropping stored responses about customer ${data.customerId} failed: ${String(error)}`));
        // Another replica may have rebuilt a shared read model meanwhile: read what is reflected now.
        const reflected = await this.reflected();
        const rebuilt: string[] = [];
        const head = await eventStore.headPosition();
        for (const name of projections.projectionNames) {
          if ((reflected.get(name) ?? -1) >= event.globalPosition) continue;
          try {
            // Once reset, whatever is replayed was sealed under keys already destroyed: the erasure
            // counts as reflected from here, even if the process stops before the replay ends.
            await projections.resetInPlace(name);
            await this.db
              .insertInto('erasure_rebuilds')
              .values({ projection: name, position: head })
              .onConflict((conflict) => conflict.column('projection').doUpdateSet({ position: head }))
              .execute();
            rebuilt.push(name);
          } catch (error) {
            logger.error(`Rebuilding ${name} after the erasure of customer ${data.customerId} failed: ${String(error)}`);
          }
        }
        await projections.waitFor(head, { projections: rebuilt }).catch((error: unknown) => logger.error(`Replaying after the erasure of customer ${data.customerId} stopped: ${String(error)}`));
        if (rebuilt.length > 0) logger.log(`Customer ${data.customerId} erased: read models ${rebuilt.join(', ')} rebuilt`);
        this.handledUpTo = event.globalPosition;
        for (const waiter of this.waiters) {
          if (waiter.position > this.handledUpTo) continue;
          this.waiters.delete(waiter);
          waiter.resolve();
        }
      }
    } catch (error) {
      logger.error(`Following erasures stopped: ${String(error)}`);
    }
  }
}
