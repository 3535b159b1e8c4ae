import { getEventListeners } from 'node:events';
import { ManualClock } from './clock';

describe('ManualClock', () => {
  it('wakes a sleeper only once time has been advanced past its deadline', async () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    let woke = false;
    const sleeping = clock.sleep(1_000).then(() => (woke = true));
    clock.advance(999);
    await Promise.resolve();
    expect(woke).toBe(false);
    clock.advance(1);
    await sleeping;
    expect(woke).toBe(true);
    expect(clock.now().toISOString()).toBe('2026-01-01T00:00:01.000Z');
  });

  it('rejects a sleep when its signal aborts', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const sleeping = clock.sleep(1_000, controller.signal);
    controller.abort(new Error('stopped'));
    await expect(sleeping).rejects.toThrow('stopped');
    expect(clock.pendingSleeps).toBe(0);
  });

  it('leaves no abort listener behind on a signal once a sleep has woken (a timer loop sleeps on one signal for ever)', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    for (let round = 0; round < 20; round++) {
      const sleeping = clock.sleep(1_000, controller.signal);
      clock.advance(1_000);
      await sleeping;
    }
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
