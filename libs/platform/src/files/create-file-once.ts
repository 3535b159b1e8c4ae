import { randomBytes } from 'node:crypto';
import { link, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Creates `file` with `data` unless it exists: written whole under a private name beside it, then
 * linked into place (`link` fails when the file exists), so a concurrent reader never sees half a
 * file and two concurrent creators end with one file, the first one's. Resolves to whether this
 * call created it.
 */
export async function createFileOnce(file: string, data: string | Buffer, mode = 0o600): Promise<boolean> {
  const draft = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}`);
  await writeFile(draft, data, { mode, flag: 'wx' });
  try {
    await link(draft, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  } finally {
    await unlink(draft);
  }
}
