import { KurrentDBClient, FORWARDS } from '@kurrent/kurrentdb-client';
import { FakeKurrentDb } from './kurrentdb-fake.fixtures';
it.each(['', '&discoveryInterval=10', '&keepAliveInterval=-1', '&maxDiscoverAttempts=1&discoveryInterval=1&gossipTimeout=1'])('latency %s', async (extra) => {
  const fake = await FakeKurrentDb.start();
  const client = KurrentDBClient.connectionString(fake.connectionString + extra);
  const t0 = performance.now();
  for await (const _ of client.readStream('$epochs', { maxCount: 1, direction: FORWARDS })) { /* */ }
  console.log(extra, Math.round(performance.now() - t0));
  await client.dispose();
  await fake.stop();
});
