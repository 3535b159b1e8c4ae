import { createHash } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createFileOnce } from '@ticketing/platform';

/** Bytes stored by their SHA-256: the same file twice is stored once, and a stored file cannot change under its name. */
export interface BlobStore {
  /** Stores `bytes`; answers their SHA-256 (lowercase hex) and size. Idempotent. */
  put(bytes: Buffer): Promise<Readonly<{ sha256: string; size: number }>>;
  /** The size of the stored bytes with this hash, or undefined when none are stored. */
  sizeOf(sha256: string): Promise<number | undefined>;
  /** The stored bytes, or undefined. */
  get(sha256: string): Promise<Buffer | undefined>;
}

/** DI token of the BlobStore (filesystem under the data folder on the embedded default; an object store in production). */
export const BLOB_STORE = Symbol.for('ticketing.disputes.BlobStore');

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Content-addressed files under `<root>/sha256/ab/cdef…`, each created once (`createFileOnce`): a
 * reader never sees half a file, and two writers of the same bytes end with one.
 */
export class FileBlobStore implements BlobStore {
  constructor(private readonly root: string) {}

  async put(bytes: Buffer): Promise<Readonly<{ sha256: string; size: number }>> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const file = this.pathOf(sha256);
    if ((await this.sizeOf(sha256)) === bytes.length) return { sha256, size: bytes.length };
    await mkdir(join(file, '..'), { recursive: true, mode: 0o700 });
    await createFileOnce(file, bytes);
    return { sha256, size: bytes.length };
  }

  async sizeOf(sha256: string): Promise<number | undefined> {
    if (!SHA256_HEX.test(sha256)) return undefined;
    try {
      return (await stat(this.pathOf(sha256))).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async get(sha256: string): Promise<Buffer | undefined> {
    if (!SHA256_HEX.test(sha256)) return undefined;
    try {
      return await readFile(this.pathOf(sha256));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  private pathOf(sha256: string): string {
    return join(this.root, 'sha256', sha256.slice(0, 2), sha256.slice(2));
  }
}
