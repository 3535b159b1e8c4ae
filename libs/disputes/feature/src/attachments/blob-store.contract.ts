import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import type { BlobStore } from './blob-store';

/** A fresh, empty store, and how many objects (files) it holds. */
export type BlobStoreUnderTest = Readonly<{ store: BlobStore; objectCount(): Promise<number> }>;

const sha256Of = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * What every BlobStore answers: the FileBlobStore of the embedded default and the S3BlobStore of
 * production run the same suite. `makeStore` gives each test a store of its own, empty.
 */
export function describeBlobStoreContract(name: string, makeStore: () => Promise<BlobStoreUnderTest>): void {
  describe(`BlobStore contract: ${name}`, () => {
    it('stores bytes under their SHA-256 and gives them back', async () => {
      const { store, objectCount } = await makeStore();
      const bytes = Buffer.from('liquidation screenshot \u00e9\u0000\u00ff', 'utf8');
      const stored = await store.put(bytes);
      expect(stored).toEqual({ sha256: sha256Of(bytes), size: bytes.length });
      expect(await store.sizeOf(stored.sha256)).toBe(bytes.length);
      expect(await store.get(stored.sha256)).toEqual(bytes);
      expect(await objectCount()).toBe(1);
    });

    it('stores the same bytes twice as one object, with the same answer', async () => {
      const { store, objectCount } = await makeStore();
      const bytes = randomBytes(1024);
      const first = await store.put(bytes);
      const second = await store.put(Buffer.from(bytes));
      expect(second).toEqual(first);
      expect(await objectCount()).toBe(1);
      expect(await store.get(first.sha256)).toEqual(bytes);
    });

    it('keeps different bytes apart', async () => {
      const { store, objectCount } = await makeStore();
      const a = await store.put(Buffer.from('a'));
      const b = await store.put(Buffer.from('b'));
      expect(a.sha256).not.toBe(b.sha256);
      expect(await store.get(a.sha256)).toEqual(Buffer.from('a'));
      expect(await store.get(b.sha256)).toEqual(Buffer.from('b'));
      expect(await objectCount()).toBe(2);
    });

    it('stores empty bytes', async () => {
      const { store } = await makeStore();
      const stored = await store.put(Buffer.alloc(0));
      expect(stored).toEqual({ sha256: sha256Of(Buffer.alloc(0)), size: 0 });
      expect(await store.sizeOf(stored.sha256)).toBe(0);
      expect(await store.get(stored.sha256)).toEqual(Buffer.alloc(0));
    });

    it('answers undefined for a hash it does not hold', async () => {
      const { store } = await makeStore();
      await store.put(Buffer.from('something else'));
      const unknown = sha256Of(Buffer.from('never stored'));
      expect(await store.sizeOf(unknown)).toBeUndefined();
      expect(await store.get(unknown)).toBeUndefined();
    });

    it('answers undefined for a malformed hash, without looking further', async () => {
      const { store } = await makeStore();
      const stored = await store.put(Buffer.from('evidence'));
      const malformed = ['', 'abc', stored.sha256.toUpperCase(), `${stored.sha256}0`, stored.sha256.slice(1), 'z'.repeat(64), '../'.repeat(21) + 'x', `${stored.sha256.slice(0, 2)}/${stored.sha256.slice(3)}`];
      for (const hash of malformed) {
        expect(await store.sizeOf(hash)).toBeUndefined();
        expect(await store.get(hash)).toBeUndefined();
      }
    });

    it('stores a large object (5 MiB) whole', async () => {
      const { store } = await makeStore();
      const bytes = randomBytes(5 * 1024 * 1024);
      const stored = await store.put(bytes);
      expect(stored).toEqual({ sha256: sha256Of(bytes), size: bytes.length });
      expect(await store.sizeOf(stored.sha256)).toBe(bytes.length);
      const read = await store.get(stored.sha256);
      expect(read?.length).toBe(bytes.length);
      expect(read !== undefined && read.equals(bytes)).toBe(true);
    }, 60_000);

    it('ends concurrent puts of the same bytes with one object and one answer', async () => {
      const { store, objectCount } = await makeStore();
      const bytes = randomBytes(256 * 1024);
      const answers = await Promise.all(Array.from({ length: 8 }, () => store.put(Buffer.from(bytes))));
      const expected = { sha256: sha256Of(bytes), size: bytes.length };
      for (const answer of answers) expect(answer).toEqual(expected);
      expect(await objectCount()).toBe(1);
      expect((await store.get(expected.sha256))?.equals(bytes)).toBe(true);
    }, 60_000);
  });
}
