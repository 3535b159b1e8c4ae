import { mkdtemp, readFile, rm, stat, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEV_SECRET_FILE, loadOrCreateDevSecret } from './dev-secret';
import { mintDevToken } from './dev-token';
import { HmacTokenVerifier } from './hmac-token.verifier';

describe('loadOrCreateDevSecret', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'dev-secret-'));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('creates a 32-byte secret readable only by its owner, in a data dir it creates', async () => {
    const dataDir = join(root, 'nested', 'data');
    const secret = await loadOrCreateDevSecret(dataDir);
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect((await stat(join(dataDir, DEV_SECRET_FILE))).mode & 0o777).toBe(0o600);
    expect(await readdir(dataDir)).toEqual([DEV_SECRET_FILE]);
  });

  it('reuses the secret on later starts, so tokens minted before a restart still verify', async () => {
    const first = await loadOrCreateDevSecret(root);
    const fileBefore = await readFile(join(root, DEV_SECRET_FILE), 'utf8');
    const token = await mintDevToken({ sub: 'a-1', roles: ['agent'], secret: first });

    const second = await loadOrCreateDevSecret(root);
    expect(Buffer.from(second).equals(Buffer.from(first))).toBe(true);
    expect(await readFile(join(root, DEV_SECRET_FILE), 'utf8')).toBe(fileBefore);
    await expect(new HmacTokenVerifier(second).verify(token)).resolves.toMatchObject({ id: 'a-1', kind: 'agent' });
  });

  it('gives concurrent starters one and the same secret and leaves no drafts behind', async () => {
    const secrets = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateDevSecret(root)));
    const distinct = new Set(secrets.map((secret) => Buffer.from(secret).toString('hex')));
    expect(distinct.size).toBe(1);
    expect(await readdir(root)).toEqual([DEV_SECRET_FILE]);
  });

  it('refuses a truncated secret file instead of signing with a weak key', async () => {
    await writeFile(join(root, DEV_SECRET_FILE), 'c2hvcnQ\n', { mode: 0o600 });
    await expect(loadOrCreateDevSecret(root)).rejects.toThrow(/shorter than 32 bytes/);
  });
});
