import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import canonicalize from 'canonicalize';

/** What a reservation of an Idempotency-Key found. */
export type IdempotencyReservation =
  | Readonly<{ kind: 'new' }>
  | Readonly<{ kind: 'replay'; body: unknown }>
  | Readonly<{ kind: 'mismatch' }>
  | Readonly<{ kind: 'in_progress' }>
  /** Carried out, but its response was dropped by an erasure of personal data it held. */
  | Readonly<{ kind: 'erased' }>;

export type IdempotencyRequest = Readonly<{
  /** Who sent it: keys are per caller, so two callers cannot collide or read each other's answers. */
  scope: string;
  key: string;
  /** Method, route and canonical body: the same key with another request is a 422. */
  fingerprint: string;
  now: Date;
}>;

type IdempotencyTables = {
  http_idempotency_keys: {
    scope: string;
    idempotency_key: string;
    fingerprint: string;
    state: string;
    response_body: string | null;
    created_at: string;
  };
};

/** A reservation older than this whose request never completed (crashed process) may be taken over. */
const ABANDONED_AFTER_MS = 60_000;

/** How long a key answers its first response by default (TICKETING_IDEMPOTENCY_KEY_RETENTION_HOURS): a day, as payment APIs keep theirs. */
export const DEFAULT_IDEMPOTENCY_RETENTION_MS = 24 * 3_600_000;

export const fingerprintOf = (method: string, route: string, body: unknown): string =>
  createHash('sha256')
    .update(`${method} ${route}\n${canonicalize(body ?? null) ?? ''}`)
    .digest('hex');

/**
 * Idempotency keys in the read store's database (SQLite or PostgreSQL). A key is reserved before the
 * write runs and completed with its response after, so a concurrent retry waits for the first. A
 * key is kept for `retentionMs` from its first request; after that it is free again (a new request
 * under it runs), and `pruneExpired` deletes it.
 */
export class IdempotencyStore {
  private ready?: Promise<void>;
  readonly retentionMs: number;

  constructor(
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the read store's db is untyped; this class narrows it
    private readonly anyDb: Kysely<any>,
    options: Readonly<{ retentionMs?: number }> = {},
  ) {
    this.retentionMs = options.retentionMs ?? DEFAULT_IDEMPOTENCY_RETENTION_MS;
  }

  private get db(): Kysely<IdempotencyTables> {
    return this.anyDb as Kysely<IdempotencyTables>;
  }

  private ensureTable(): Promise<void> {
    this.ready ??= this.db.schema
      .createTable('http_idempotency_keys')
      .ifNotExists()
      .addColumn('scope', 'varchar(160)', (column) => column.notNull())
      .addColumn('idempotency_key', 'varchar(255)', (column) => column.notNull())
      .addColumn('fingerprint', 'varchar(64)', (column) => column.notNull())
      .addColumn('state', 'varchar(16)', (column) => column.notNull())
      .addColumn('response_body', 'text')
      .addColumn('created_at', 'varchar(32)', (column) => column.notNull())
      .addPrimaryKeyConstraint('http_idempotency_keys_pk', ['scope', 'idempotency_key'])
      .execute()
      // Pruning reads by age.
      .then(() => this.db.schema.createIndex('http_idempotency_keys_created_at').ifNotExists().on('http_idempotency_keys').column('created_at').execute())
      .then(() => undefined);
    return this.ready;
  }

  /** The oldest `created_at` still kept at `now` (ISO 8601 strings order as the instants do). */
  private keptSince(now: Date): string {
    return new Date(now.getTime() - this.retentionMs).toISOString();
  }

  /** Deletes the keys older than the retention, whatever their state; returns how many. */
  async pruneExpired(now: Date): Promise<number> {
    await this.ensureTable();
    const result = await this.db.deleteFrom('http_idempotency_keys').where('created_at', '<', this.keptSince(now)).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async reserve(request: IdempotencyRequest): Promise<IdempotencyReservation> {
    await this.ensureTable();
    const { scope, key, fingerprint, now } = request;
    const inserted = await this.db
      .insertInto('http_idempotency_keys')
      .values({ scope, idempotency_key: key, fingerprint, state: 'pending', response_body: null, created_at: now.toISOString() })
      .onConflict((conflict) => conflict.columns(['scope', 'idempotency_key']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) return { kind: 'new' };

    const existing = await this.db
      .selectFrom('http_idempotency_keys')
      .selectAll()
      .where('scope', '=', scope)
      .where('idempotency_key', '=', key)
      .executeTakeFirst();
    if (!existing) return this.reserve(request);
    if (existing.created_at < this.keptSince(now)) {
      // Expired, not yet pruned: the key is free, as if it had been (the condition lets one of two racing requests have it).
      const renewed = await this.db
        .updateTable('http_idempotency_keys')
        .set({ fingerprint, state: 'pending', response_body: null, created_at: now.toISOString() })
        .where('scope', '=', scope)
        .where('idempotency_key', '=', key)
        .where('created_at', '=', existing.created_at)
        .executeTakeFirst();
      return Number(renewed.numUpdatedRows) === 1 ? { kind: 'new' } : this.reserve(request);
    }
    if (existing.fingerprint !== fingerprint) return { kind: 'mismatch' };
    if (existing.state === 'done') return { kind: 'replay', body: JSON.parse(existing.response_body ?? 'null') };
    if (existing.state === 'erased') return { kind: 'erased' };
    const abandoned = now.getTime() - new Date(existing.created_at).getTime() > ABANDONED_AFTER_MS;
    if (!abandoned) return { kind: 'in_progress' };
    const taken = await this.db
      .updateTable('http_idempotency_keys')
      .set({ created_at: now.toISOString() })
      .where('scope', '=', scope)
      .where('idempotency_key', '=', key)
      .where('state', '=', 'pending')
      .where('created_at', '=', existing.created_at)
      .executeTakeFirst();
    return Number(taken.numUpdatedRows) === 1 ? { kind: 'new' } : { kind: 'in_progress' };
  }

  async complete(scope: string, key: string, body: unknown): Promise<void> {
    await this.db
      .updateTable('http_idempotency_keys')
      .set({ state: 'done', response_body: JSON.stringify(body ?? null) })
      .where('scope', '=', scope)
      .where('idempotency_key', '=', key)
      .execute();
  }

  /**
   * Drops the stored responses that hold a customer's data (their own requests', and any naming them
   * as `customerId`), keeping the keys: a retry is then refused, not carried out twice. For erasure.
   */
  async eraseResponsesAbout(customerId: string): Promise<number> {
    await this.ensureTable();
    const field = `"customerId":${JSON.stringify(customerId)}`;
    // Responses are stored as JSON text inside a JSON envelope: the field appears escaped once (or
    // plain, in rows that hold the body alone).
    const patterns = [field, JSON.stringify(field).slice(1, -1)].map((needle) => `%${needle.replace(/[\\%_]/g, (char) => `\\${char}`)}%`);
    const result = await this.db
      .updateTable('http_idempotency_keys')
      .set({ state: 'erased', response_body: null })
      .where('state', '=', 'done')
      .where((where) =>
        where.or([
          where('scope', '=', `customer:${customerId}`),
          ...patterns.map((pattern) => sql<boolean>`response_body LIKE ${pattern} ESCAPE '\\'`),
        ]),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** A request that failed changed nothing, so its key is free for a corrected retry. */
  async release(scope: string, key: string): Promise<void> {
    await this.db.deleteFrom('http_idempotency_keys').where('scope', '=', scope).where('idempotency_key', '=', key).where('state', '=', 'pending').execute();
  }
}
