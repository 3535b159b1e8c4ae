import { cpSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultModelCacheDir } from '@ticketing/routing-feature';
import { buildCompiledCli, runCli } from './test-support/compiled-cli';
import { newDataDir, TicketingHarness } from './test-support/ticketing.harness';

const tickets = [
  { channel: 'chat', body: 'My BTC withdrawal has been pending for five hours, the txid is not on chain', language: 'en', chat: { sessionId: 's-1' } },
  { channel: 'chat', body: 'how do I change the language of the app to Spanish?', language: 'en', chat: { sessionId: 's-2' } },
  { channel: 'chat', body: 'I cannot log in, it says my password is wrong and now the account is locked', language: 'en', chat: { sessionId: 's-3' } },
];

/** A model cache of its own, seeded with the shipped model `npm run build` trained, so nothing retrains it here. */
function seededModelCache(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ticketing-models-'));
  cpSync(defaultModelCacheDir(), dir, { recursive: true });
  return dir;
}

describe('ticketing classifier retrain and evaluate --on-history (compiled CLI)', () => {
  beforeAll(() => buildCompiledCli(), 180_000);

  it('learns the corrections people made, stores a new version, and backtests candidate and served models on the history', async () => {
    const dataDir = await newDataDir();
    const harness = await TicketingHarness.start({ dataDir });
    try {
      const customer = await harness.token('customer', 'cust-history');
      const agent = await harness.token('agent', 'agent-7');
      const ids: string[] = [];
      for (const body of tickets) {
        const opened = await harness.request('POST', '/v1/tickets', { token: customer, body });
        ids.push((opened.body as { id: string }).id);
        await harness.ticketQueued(ids.at(-1)!);
      }
      // The locked account was a takeover: a person settles on security_incident.
      const corrected = await harness.request('POST', `/v1/routing/tickets/${ids[2]}/recategorize`, { token: agent, body: { category: 'security_incident', reason: 'unknown device' } });
      expect(corrected.status).toBe(200);
    } finally {
      await harness.close();
    }
    const env = { TICKETING_DATA_DIR: dataDir, TICKETING_CLASSIFIER_CACHE_DIR: seededModelCache(), LOG_LEVEL: 'silent' };

    const history = await runCli(['classifier', 'evaluate', '--on-history'], env);
    expect(history.stdout).toMatch(/on 3 past tickets \(1 corrected by people\)/);
    expect(history.code).toBe(0);

    const retrained = await runCli(['classifier', 'retrain'], env);
    expect(retrained.code).toBe(0);
    const version = /^(retrained-[0-9a-f]{12}): learnt 1 corrections/m.exec(retrained.stdout)?.[1];
    expect(version).toBeDefined();
    expect(retrained.stdout).toMatch(/candidate: model retrained-[0-9a-f]{12} on 3 past tickets/);
    expect(retrained.stdout).toMatch(/served: {4}model base-[0-9a-f]{12} on 3 past tickets/);
    expect(readdirSync(env.TICKETING_CLASSIFIER_CACHE_DIR)).toEqual(expect.arrayContaining([`${version}.f32`, `${version}.json`]));

    const candidate = await runCli(['classifier', 'evaluate', '--on-history', '--model', version!, '--json'], env);
    expect(candidate.code).toBe(0);
    expect(JSON.parse(candidate.stdout)).toMatchObject({ modelVersion: version, tickets: 3, corrected: 1 });

    const unknown = await runCli(['classifier', 'evaluate', '--on-history', '--model', 'retrained-000000000000'], env);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/retrained-000000000000, which is not in/);
  }, 240_000);

  it('writes nothing and says why when no ticket was corrected', async () => {
    const dataDir = await newDataDir();
    const cache = seededModelCache();
    const before = readdirSync(cache).sort();
    const result = await runCli(['classifier', 'retrain'], { TICKETING_DATA_DIR: dataDir, TICKETING_CLASSIFIER_CACHE_DIR: cache, LOG_LEVEL: 'silent' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/nothing new to learn, and no model was written/);
    expect(readdirSync(cache).sort()).toEqual(before);
  }, 120_000);
});
