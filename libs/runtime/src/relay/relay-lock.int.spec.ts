import { Client } from 'pg';
import { ManualClock } from '@ticketing/kernel';
import { describeEachReadStore, type ReadStoreLocation } from '@ticketing/read-store/testing';
import { PostgresRelayLock, type RelayLease } from './relay-lock';

/** Waits (on I/O, not on timers) until the holder is parked on its next heartbeat and nothing else. */
async function parkedOnHeartbeat(clock: ManualClock): Promise<void> {
  for (let i = 0; i < 10_000 && clock.pendingSleeps !== 1; i++) await new Promise((resolve) => setImmediate(resolve));
  expect(clock.pendingSleeps).toBe(1);
}

describeEachReadStore(
  'PostgresRelayLock',
  (target) => {
    let location: ReadStoreLocation;
    let clock: ManualClock;
    const leases: RelayLease[] = [];
    const lock = (applicationName = 'relay-lock-spec') => new PostgresRelayLock({ connectionString: location.url, clock, applicationName });
    const held = (lease: RelayLease | undefined) => {
      if (lease) leases.push(lease);
      return lease;
    };

    beforeEach(async () => {
      location = await target.create();
      clock = new ManualClock();
    });

    afterEach(async () => {
      for (const lease of leases.splice(0)) await lease.release();
      await location?.dispose();
    });

    it('gives a context to one holder at a time; released, it goes to the next asker', async () => {
      const first = held(await lock().acquire('intake'));
      expect(first).toBeDefined();
      expect(await lock().acquire('intake')).toBeUndefined();
      // Contexts are independent.
      expect(held(await lock().acquire('routing'))).toBeDefined();
      await first!.release();
      await first!.lost;
      expect(held(await lock().acquire('intake'))).toBeDefined();
    });

    it('reports the lease lost when its session dies, and the lock is free again for a standby', async () => {
      const lease = held(await lock('relay-lock-victim').acquire('intake'))!;
      let lost = false;
      void lease.lost.then(() => (lost = true));
      const admin = new Client({ connectionString: location.url });
      await admin.connect();
      try {
        // What a crashed pod or a failover looks like from the server: the session is gone.
        await admin.query("select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'relay-lock-victim'");
      } finally {
        await admin.end();
      }
      expect(lost).toBe(false);
      clock.advance(5_000);
      await lease.lost;
      expect(held(await lock().acquire('intake'))).toBeDefined();
    });

    it('rejects (rather than pretending to lead) when the server cannot be reached', async () => {
      const url = new URL(location.url);
      url.port = '1';
      await expect(new PostgresRelayLock({ connectionString: url.toString(), clock }).acquire('intake')).rejects.toThrow();
    });

    it('keeps the lease while the heartbeats succeed', async () => {
      const lease = held(await lock().acquire('intake'))!;
      let lost = false;
      void lease.lost.then(() => (lost = true));
      for (let beat = 0; beat < 3; beat++) {
        await parkedOnHeartbeat(clock);
        clock.advance(5_000);
      }
      await parkedOnHeartbeat(clock);
      expect(lost).toBe(false);
      expect(await lock().acquire('intake')).toBeUndefined();
    });
  },
  { dialects: ['postgres'] },
);
