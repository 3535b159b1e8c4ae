import { ManualClock } from '@ticketing/kernel';
import type { EventRelayState, EventRelayStatus } from '@ticketing/messaging';
import type { RelayLease, RelayLock } from './relay-lock';
import { ContextRelayRunner, type RelayProcess } from './relay.runner';

const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** A lock held by whoever asked first, with leases the test can break. */
class FakeLock implements RelayLock {
  holder: string | undefined;
  failures = 0;
  private leases = new Map<string, () => void>();

  constructor(private readonly who: () => string) {}

  async acquire(): Promise<RelayLease | undefined> {
    if (this.failures > 0) {
      this.failures--;
      throw new Error('connection refused');
    }
    const me = this.who();
    if (this.holder !== undefined && this.holder !== me) return undefined;
    this.holder = me;
    let end!: () => void;
    const lost = new Promise<void>((resolve) => (end = resolve));
    this.leases.set(me, () => {
      if (this.holder === me) this.holder = undefined;
      end();
    });
    return { lost, release: async () => this.leases.get(me)?.() };
  }

  /** The holder's session dies: its lease is lost and the lock is free. */
  breakLease(): void {
    if (this.holder) this.leases.get(this.holder)?.();
  }
}

class FakeRelay implements RelayProcess {
  state: EventRelayState = 'starting';
  starts = 0;
  stops = 0;
  start(): void {
    this.starts++;
    this.state = 'running';
  }
  async stop(): Promise<void> {
    this.stops++;
    this.state = 'stopped';
  }
  async status(): Promise<EventRelayStatus> {
    return { contexts: ['intake'], state: this.state, checkpoint: 3, head: 10, lag: 7, published: 0, lastError: null };
  }
}

/** Lets every pending promise chain settle. */
const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('ContextRelayRunner', () => {
  let clock: ManualClock;
  let current: string;
  let lock: FakeLock;
  const relays: Record<string, FakeRelay[]> = {};

  const runner = (name: string) =>
    new ContextRelayRunner({
      context: 'intake',
      lock: {
        acquire: () => {
          current = name;
          return lock.acquire();
        },
      },
      clock,
      retryDelayMs: 1_000,
      logger: silent,
      createRelay: () => {
        const relay = new FakeRelay();
        (relays[name] ??= []).push(relay);
        return relay;
      },
    });

  beforeEach(() => {
    clock = new ManualClock();
    lock = new FakeLock(() => current);
    for (const key of Object.keys(relays)) delete relays[key];
  });

  it('relays only on the replica holding the lease; the others stand by', async () => {
    const a = runner('a');
    const b = runner('b');
    a.start();
    await settle();
    b.start();
    await settle();
    expect((await a.status()).role).toBe('leader');
    expect(await b.status()).toMatchObject({ role: 'standby', state: null, lag: 0 });
    expect(relays.a).toHaveLength(1);
    expect(relays.a[0].state).toBe('running');
    expect(relays.b).toBeUndefined();
    expect(await a.status()).toMatchObject({ context: 'intake', role: 'leader', state: 'running', lag: 7 });
    await a.close();
    await b.close();
  });

  it('stops publishing when its lease is lost; whoever gets the lease next relays, never two at once', async () => {
    const running = () => [...(relays.a ?? []), ...(relays.b ?? [])].filter((relay) => relay.state === 'running').length;
    const a = runner('a');
    a.start();
    await settle();
    const b = runner('b');
    b.start();
    await settle();

    lock.breakLease();
    await settle();
    // The old term's relay stopped before a new term began (here a asked again first).
    expect(relays.a[0].stops).toBe(1);
    expect(relays.a).toHaveLength(2);
    expect(running()).toBe(1);

    // The leader goes away: b takes over on its next try, not before.
    await a.close();
    expect(running()).toBe(0);
    expect(relays.b).toBeUndefined();
    clock.advance(1_000);
    await settle();
    expect(relays.b).toHaveLength(1);
    expect((await b.status()).role).toBe('leader');
    expect(running()).toBe(1);
    await b.close();
  });

  it('retries when the lock cannot be asked, relaying nothing meanwhile', async () => {
    lock.failures = 2;
    const a = runner('a');
    a.start();
    await settle();
    expect(relays.a).toBeUndefined();
    expect((await a.status()).lastError).toBe('connection refused');
    clock.advance(1_000);
    await settle();
    expect(relays.a).toBeUndefined();
    clock.advance(1_000);
    await settle();
    expect(relays.a).toHaveLength(1);
    await a.close();
  });

  it('close stops the relay and frees the lease for the next replica', async () => {
    const a = runner('a');
    a.start();
    await settle();
    await a.close();
    expect(relays.a[0].stops).toBe(1);
    expect(lock.holder).toBeUndefined();
    expect((await a.status()).role).toBe('stopped');
  });
});
