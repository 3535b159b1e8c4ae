import { ManualClock } from '@ticketing/kernel';
import { loadConfig } from '@ticketing/platform';
import { ConsumerThread } from './consumer.thread';

/**
 * A stand-in for the compiled worker that speaks the same protocol. `spawns` (shared memory) counts
 * starts; the first start exits right after it reported ready when `crashFirst` is set.
 */
const standIn = (options: { crashFirst?: boolean; fail?: string } = {}) => `
const { parentPort, workerData } = require('node:worker_threads');
const spawns = new Int32Array(workerData.config.spawns);
const spawn = Atomics.add(spawns, 0, 1) + 1;
${options.fail ? `parentPort.postMessage({ type: 'failed', error: ${JSON.stringify(options.fail)} }); parentPort.close();` : ''}
parentPort.on('message', (message) => {
  if (message.type === 'status') parentPort.postMessage({ type: 'status', id: message.id, status: { healthy: true, groups: [{ group: 'routing', spawn }] } });
  if (message.type === 'stop') parentPort.close();
});
parentPort.postMessage({ type: 'ready' });
${options.crashFirst ? 'if (spawn === 1) setImmediate(() => process.exit(3));' : ''}
`;

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('ConsumerThread', () => {
  const base = loadConfig({ TICKETING_DATA_DIR: '/tmp/unused' });
  let spawns: Int32Array;
  let config: typeof base;
  beforeEach(() => {
    const shared = new SharedArrayBuffer(4);
    spawns = new Int32Array(shared);
    config = { ...base, spawns: shared } as typeof base;
  });

  it('answers status from the thread, and is unhealthy once stopped', async () => {
    const thread = await ConsumerThread.start(config, ['routing'], { script: standIn() });
    await expect(thread.status()).resolves.toEqual({ healthy: true, groups: [{ group: 'routing', spawn: 1 }] });
    await thread.stop();
    await expect(thread.status()).resolves.toEqual({ healthy: false, groups: [] });
  });

  it('rejects start with the reason the thread gives', async () => {
    await expect(ConsumerThread.start(config, ['routing'], { script: standIn({ fail: 'no event store' }) })).rejects.toThrow(
      'The consumer thread could not start: no event store',
    );
  });

  it('restarts a thread that died after the restart delay, on the injected clock', async () => {
    const clock = new ManualClock();
    const thread = await ConsumerThread.start(config, ['routing'], { script: standIn({ crashFirst: true }), clock, restartDelayMs: 1_000 });
    while ((await thread.status()).healthy) await settle();
    expect(Atomics.load(spawns, 0)).toBe(1);
    clock.advance(999);
    await settle();
    expect(Atomics.load(spawns, 0)).toBe(1);
    clock.advance(1);
    let status = await thread.status();
    while (!status.healthy) {
      await settle();
      status = await thread.status();
    }
    expect(status).toEqual({ healthy: true, groups: [{ group: 'routing', spawn: 2 }] });
    await thread.stop();
  });
});
