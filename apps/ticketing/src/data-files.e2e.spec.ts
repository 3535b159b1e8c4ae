import { chmod, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { newDataDir, TicketingHarness } from './test-support/ticketing.harness';

const PRIVATE_FILES = ['events.db', 'events.db-wal', 'events.db-shm', 'read.db', 'read.db-wal', 'read.db-shm', 'dev-jwt-secret'];

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

async function modes(dataDir: string): Promise<Record<string, number>> {
  const entries: Record<string, number> = { '.': await modeOf(dataDir) };
  for (const name of await readdir(dataDir)) entries[name] = await modeOf(join(dataDir, name));
  return entries;
}

/** The data folder holds personal data (events, projections) and the token secret: the owner's only. */
describe('files on disk: data folder 0700, SQLite files and the dev secret 0600 (e2e)', () => {
  const expected = Object.fromEntries([['.', 0o700], ...PRIVATE_FILES.map((name) => [name, 0o600])]);

  async function boot(dataDir: string) {
    const harness = await TicketingHarness.start({ dataDir });
    const customer = await harness.token('customer', 'cust-files');
    const opened = await harness.request('POST', '/v1/tickets', {
      token: customer,
      body: { channel: 'chat', subject: 'Withdrawal pending', body: 'Pending since noon', language: 'en', chat: { sessionId: 's-f' } },
    });
    expect(opened.status).toBe(201);
    await harness.ticketQueued((opened.body as { id: string }).id);
    return harness;
  }

  it('creates them private whatever the umask allowed, and tightens a folder and files left open by an older version', async () => {
    const dataDir = await newDataDir();
    await chmod(dataDir, 0o755);
    const first = await boot(dataDir);
    try {
      expect(await modes(dataDir)).toMatchObject(expected);
    } finally {
      await first.close();
    }

    await chmod(dataDir, 0o755);
    for (const name of await readdir(dataDir)) await chmod(join(dataDir, name), 0o644);
    const second = await boot(dataDir);
    try {
      const now = await modes(dataDir);
      expect(now).toMatchObject(expected);
      // Nothing else in the folder is left readable by others either.
      for (const [name, mode] of Object.entries(now)) expect({ name, others: mode & 0o077 }).toEqual({ name, others: 0 });
    } finally {
      await second.close();
    }
  });
});
