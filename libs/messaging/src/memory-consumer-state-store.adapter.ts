import type { ConsumerStateStore } from './consumer-state.port';
import type { DeadLetterQuery, DeadLetterRecord } from './dead-letter';

/** In-process ConsumerStateStore for unit tests; same semantics as the SQLite adapter. */
export class MemoryConsumerStateStore implements ConsumerStateStore {
  private readonly checkpoints = new Map<string, number>();
  private readonly deadLetters = new Map<string, DeadLetterRecord>();

  async loadCheckpoint(group: string): Promise<number> {
    return this.checkpoints.get(group) ?? 0;
  }

  async saveCheckpoint(group: string, position: number): Promise<void> {
    this.checkpoints.set(group, Math.max(position, this.checkpoints.get(group) ?? 0));
  }

  async resetCheckpoint(group: string, position: number): Promise<void> {
    this.checkpoints.set(group, position);
  }

  async park(record: DeadLetterRecord): Promise<DeadLetterRecord> {
    const existing = [...this.deadLetters.values()].find((r) => r.group === record.group && r.eventId === record.eventId);
    const stored: DeadLetterRecord = existing
      ? { ...record, id: existing.id, parkedAt: existing.parkedAt, replayedAt: null }
      : { ...record, replayedAt: null };
    this.deadLetters.set(stored.id, stored);
    return stored;
  }

  async listParked(query: DeadLetterQuery = {}): Promise<DeadLetterRecord[]> {
    const matching = [...this.deadLetters.values()]
      .filter((r) => query.group === undefined || r.group === query.group)
      .filter((r) => query.includeReplayed === true || r.replayedAt === null)
      .sort((a, b) => a.position - b.position || a.group.localeCompare(b.group));
    return query.limit === undefined ? matching : matching.slice(0, query.limit);
  }

  async getParked(id: string): Promise<DeadLetterRecord | undefined> {
    return this.deadLetters.get(id);
  }

  async markReplayed(id: string, at: Date): Promise<void> {
    const record = this.deadLetters.get(id);
    if (record) this.deadLetters.set(id, { ...record, replayedAt: at.toISOString() });
  }

  async countParked(): Promise<ReadonlyMap<string, number>> {
    const counts = new Map<string, number>();
    for (const r of this.deadLetters.values()) {
      if (r.replayedAt === null) counts.set(r.group, (counts.get(r.group) ?? 0) + 1);
    }
    return counts;
  }

  async close(): Promise<void> {
    // Nothing to release.
  }
}
