import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from '@jest/globals';
import { FileBlobStore } from './blob-store';
import { describeBlobStoreContract } from './blob-store.contract';

/** The BlobStore contract on the embedded default: files under a temporary folder, one per test. */
const folders: string[] = [];

/** Every file under `dir`, drafts (`.name.pid.random`) included: a leftover draft is an extra object. */
async function countFiles(dir: string): Promise<number> {
  let count = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) if (entry.isFile()) count++;
  return count;
}

describeBlobStoreContract('FileBlobStore (a temporary folder)', async () => {
  const root = await mkdtemp(join(tmpdir(), 'blob-store-'));
  folders.push(root);
  return { store: new FileBlobStore(join(root, 'blobs')), objectCount: () => countFiles(root) };
});

afterAll(async () => {
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
});
