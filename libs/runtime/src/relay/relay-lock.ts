import { Client } from 'pg';
import type { Clock } from '@ticketing/kernel';

/** The right to relay one context, held until released or lost. */
export interface RelayLease {
  /** Resolves when the lease is gone: released, or its session failed (then another replica may take over). */
  readonly lost: Promise<void>;
  release(): Promise<void>;
}

/** Decides which replica relays a context: at most one at a time where the lock is shared. */
export interface RelayLock {
  /** The lease, or undefined while another holder has it. Rejects when the lock cannot be asked. */
  acquire(name: string): Promise<RelayLease | undefined>;
}

/** Every caller gets the lease: one process, or a store with no shared lock (SQLite). */
export const processLocalRelayLock: RelayLock = {
  async acquire() {
    return { lost: new Promise<void>(() => undefined), release: async () => undefined };
  },
};

export type PostgresRelayLockOptions = Readonly<{
  /** The read store's postgres:// URL. */
  connectionString: string;
  clock: Clock;
  /** How often the holder checks its session is alive (default 5000 ms). */
  heartbeatMs?: number;
  /** A heartbeat slower than this counts as a lost session (default 10000 ms). */
  heartbeatTimeoutMs?: number;
  /** Shown in pg_stat_activity (default `ticketing-relay-lock`). */
  applicationName?: string;
}>;

/**
 * A PostgreSQL session-level advisory lock per relayed context, on a session of its own held for as
 * long as the lease: the replicas of a service elect one relay per context. When the holder dies its
 * session ends and the lock frees itself; a standby takes over. The holder checks its session on a
 * heartbeat and, when a check fails or stalls, closes the session (releasing the lock server-side
 * as soon as the server sees it) and reports the lease lost.
 */
export class PostgresRelayLock implements RelayLock {
  constructor(private readonly options: PostgresRelayLockOptions) {}

  async acquire(name: string): Promise<RelayLease | undefined> {
    const { clock } = this.options;
    const client = new Client({
      connectionString: this.options.connectionString,
      application_name: this.options.applicationName ?? 'ticketing-relay-lock',
      connectionTimeoutMillis: 10_000,
      // A heartbeat that stalls (network partition) fails client-side instead of hanging until TCP gives up.
      query_timeout: this.options.heartbeatTimeoutMs ?? 10_000,
      keepAlive: true,
    });
    // A session the server ends emits 'error' on the client; unheard it would end the process.
    client.on('error', () => undefined);
    const key = `ticketing.relay.${name}`;
    try {
      await client.connect();
      const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock(hashtextextended($1, 0)) as locked', [key]);
      if (rows[0]?.locked !== true) {
        await client.end();
        return undefined;
      }
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }

    const released = new AbortController();
    const heartbeatMs = this.options.heartbeatMs ?? 5_000;
    const heartbeat = async (): Promise<void> => {
      for (;;) {
        await clock.sleep(heartbeatMs, released.signal);
        await client.query('select 1');
      }
    };
    const lost = heartbeat().then(
      () => undefined,
      async () => {
        if (released.signal.aborted) {
          await client.query('select pg_advisory_unlock(hashtextextended($1, 0))', [key]).catch(() => undefined);
        }
        await client.end().catch(() => undefined);
      },
    );
    return {
      lost,
      release: async () => {
        released.abort(new Error('relay lease released'));
        await lost;
      },
    };
  }
}
