import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemorySubjectKeyStore } from './memory-subject-key.store';
import { SqliteSubjectKeyStore } from './sqlite-subject-key.store';
import { describeSubjectKeyStoreContract } from './testing/subject-key-store.contract';

const freshDir = () => mkdtemp(join(tmpdir(), 'ticketing-keys-'));

describeSubjectKeyStoreContract('memory', async () => new MemorySubjectKeyStore(), async () => 'memory');
describeSubjectKeyStoreContract('sqlite', async (dir) => new SqliteSubjectKeyStore({ path: join(dir, 'keys.db') }), freshDir);

describe('SqliteSubjectKeyStore', () => {
  it('leaves no copy of a destroyed key in the database file or its journal', async () => {
    const dir = await freshDir();
    const store = new SqliteSubjectKeyStore({ path: join(dir, 'keys.db') });
    const doomed = await store.currentKey('cust-erased');
    const kept = await store.currentKey('cust-kept');
    const filesHold = async (bytes: Buffer) => {
      for (const file of await readdir(dir)) if ((await readFile(join(dir, file))).includes(bytes)) return true;
      return false;
    };
    expect(await filesHold(doomed.material)).toBe(true);
    await store.erase('cust-erased', '2026-12-07T10:00:00.000Z');
    expect(await filesHold(doomed.material)).toBe(false);
    expect(await filesHold(kept.material)).toBe(true);
    await store.close();
    expect(await filesHold(doomed.material)).toBe(false);
  });
});
