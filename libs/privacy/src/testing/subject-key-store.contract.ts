import { describe, expect, it } from '@jest/globals';
import type { SubjectKeyStore } from '../subject-key.store';

/**
 * What every SubjectKeyStore answers: memory, SQLite (embedded default) and PostgreSQL (production)
 * run the same suite. `open` gives a store over shared storage: two calls with the same `place`
 * are two processes on one key table.
 */
export function describeSubjectKeyStoreContract(name: string, open: (place: string) => Promise<SubjectKeyStore>, freshPlace: () => Promise<string>): void {
  describe(`SubjectKeyStore contract: ${name}`, () => {
    it('gives a subject one live key, created on first use, 32 bytes, the same on every call', async () => {
      const store = await open(await freshPlace());
      try {
        const first = await store.currentKey('cust-1');
        expect(first.material).toHaveLength(32);
        expect(await store.currentKey('cust-1')).toEqual(first);
        expect(await store.keyById(first.id)).toEqual(first);
        const other = await store.currentKey('cust-2');
        expect(other.id).not.toBe(first.id);
        expect(other.material.equals(first.material)).toBe(false);
      } finally {
        await store.close();
      }
    });

    it('erasing destroys every key of the subject and no other; a later key is a new one', async () => {
      const store = await open(await freshPlace());
      try {
        const first = await store.currentKey('cust-1');
        const bystander = await store.currentKey('cust-2');
        expect(await store.erase('cust-1', '2026-12-07T10:00:00.000Z')).toBe(1);
        expect(await store.keyById(first.id)).toBeUndefined();
        expect(await store.keyById(bystander.id)).toEqual(bystander);
        const second = await store.currentKey('cust-1');
        expect(second.id).not.toBe(first.id);
        expect(await store.erase('cust-1', '2026-12-07T11:00:00.000Z')).toBe(1);
        expect(await store.erase('cust-1', '2026-12-07T12:00:00.000Z')).toBe(0);
        const keys = await store.keysOf('cust-1');
        expect(keys.map((key) => key.id).sort()).toEqual([first.id, second.id].sort());
        expect(keys.every((key) => key.erasedAt !== null)).toBe(true);
        expect(await store.keysOf('nobody')).toEqual([]);
        expect(await store.keyById('no-such-key')).toBeUndefined();
      } finally {
        await store.close();
      }
    });

    it('two stores on one table agree on a subject’s key, and see each other’s erasures', async () => {
      const place = await freshPlace();
      const a = await open(place);
      const b = await open(place);
      try {
        const [fromA, fromB] = await Promise.all([a.currentKey('cust-9'), b.currentKey('cust-9')]);
        if (name !== 'memory') expect(fromB).toEqual(fromA);
        await a.erase('cust-9', '2026-12-07T10:00:00.000Z');
        if (name !== 'memory') expect(await b.keyById(fromA.id)).toBeUndefined();
      } finally {
        await a.close();
        await b.close();
      }
    });
  });
}
