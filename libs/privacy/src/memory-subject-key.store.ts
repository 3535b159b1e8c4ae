import { randomBytes, randomUUID } from 'node:crypto';
import type { SubjectKey, SubjectKeyStore } from './subject-key.store';

type Row = { id: string; subject: string; material: Buffer | null; createdAt: string; erasedAt: string | null };

/** Keys in process memory: for `memory:` event stores and tests, gone with the process like the events. */
export class MemorySubjectKeyStore implements SubjectKeyStore {
  private readonly rows = new Map<string, Row>();
  private readonly live = new Map<string, Row>();

  constructor(private readonly now: () => string = () => new Date().toISOString()) {}

  async currentKey(subject: string): Promise<SubjectKey> {
    let row = this.live.get(subject);
    if (!row) {
      row = { id: randomUUID(), subject, material: randomBytes(32), createdAt: this.now(), erasedAt: null };
      this.rows.set(row.id, row);
      this.live.set(subject, row);
    }
    return { id: row.id, material: row.material! };
  }

  async keyById(keyId: string): Promise<SubjectKey | undefined> {
    const material = this.rows.get(keyId)?.material;
    return material ? { id: keyId, material } : undefined;
  }

  async erase(subject: string, erasedAt: string): Promise<number> {
    let destroyed = 0;
    for (const row of this.rows.values()) {
      if (row.subject !== subject || row.material === null) continue;
      row.material.fill(0);
      row.material = null;
      row.erasedAt = erasedAt;
      destroyed++;
    }
    this.live.delete(subject);
    return destroyed;
  }

  async keysOf(subject: string) {
    return [...this.rows.values()]
      .filter((row) => row.subject === subject)
      .reverse()
      .map(({ id, createdAt, erasedAt }) => ({ id, createdAt, erasedAt }));
  }

  async close(): Promise<void> {}
}
