import { ManualClock } from '@ticketing/kernel';
import { openReadStore, type ReadStore } from '@ticketing/read-store';
import { describeEachReadStore, type ReadStoreLocation } from '@ticketing/read-store/testing';
import { ReadStoreRelayCheckpoints } from './read-store-relay-checkpoints';

describeEachReadStore('ReadStoreRelayCheckpoints', (target) => {
  let location: ReadStoreLocation;
  const opened: ReadStore[] = [];
  const clock = new ManualClock();
  const open = async () => {
    const store = await openReadStore(location.url, { clock });
    opened.push(store);
    return new ReadStoreRelayCheckpoints(store, clock);
  };

  beforeEach(async () => {
    location = await target.create();
  });

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    await location?.dispose();
  });

  it('starts at 0, then returns what was saved, per relay, across instances (restarts, other replicas)', async () => {
    const first = await open();
    expect(await first.loadCheckpoint('relay.intake')).toBe(0);
    await first.saveCheckpoint('relay.intake', 42);
    await first.saveCheckpoint('relay.routing', 7);
    const second = await open();
    expect(await second.loadCheckpoint('relay.intake')).toBe(42);
    expect(await second.loadCheckpoint('relay.routing')).toBe(7);
  });

  it('never moves back: a stale relay saving late cannot make the next one republish more', async () => {
    const checkpoints = await open();
    await checkpoints.saveCheckpoint('relay.intake', 100);
    await checkpoints.saveCheckpoint('relay.intake', 60);
    expect(await checkpoints.loadCheckpoint('relay.intake')).toBe(100);
    await checkpoints.saveCheckpoint('relay.intake', 101);
    expect(await checkpoints.loadCheckpoint('relay.intake')).toBe(101);
  });

  it('keeps positions past 2^32 exactly (a KurrentDB commit position is a large integer)', async () => {
    const checkpoints = await open();
    const position = 2 ** 40 + 123;
    await checkpoints.saveCheckpoint('relay.intake', position);
    expect(await (await open()).loadCheckpoint('relay.intake')).toBe(position);
  });

  it('creates its table once even when several replicas start together', async () => {
    const replicas = [await open(), await open(), await open()];
    await Promise.all(replicas.map((checkpoints, index) => checkpoints.saveCheckpoint(`relay.r${index}`, index + 1)));
    expect(await Promise.all(replicas.map((checkpoints, index) => checkpoints.loadCheckpoint(`relay.r${index}`)))).toEqual([1, 2, 3]);
  });
});
