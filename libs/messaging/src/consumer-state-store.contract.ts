// Shared behaviour every ConsumerStateStore adapter must show (used by the adapters' specs).
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { ConsumerStateStore } from './consumer-state.port';
import type { DeadLetterRecord } from './dead-letter';

export const deadLetter = (overrides: Partial<DeadLetterRecord> = {}): DeadLetterRecord => ({
  id: 'dl-1',
  group: 'routing',
  position: 10,
  eventId: 'event-10',
  eventType: 'TicketOpened',
  streamName: 'ticket-1',
  error: { name: 'Error', message: 'boom', stack: 'Error: boom\n    at here' },
  attempts: 5,
  parkedAt: '2026-01-01T00:00:00.000Z',
  lastFailedAt: '2026-01-01T00:00:00.000Z',
  replayedAt: null,
  ...overrides,
});

export function consumerStateStoreContract(name: string, open: () => Promise<ConsumerStateStore>): void {
  describe(`${name} (ConsumerStateStore contract)`, () => {
    let store: ConsumerStateStore;

    beforeEach(async () => {
      store = await open();
    });

    afterEach(async () => {
      await store.close();
    });

    it('starts every group at 0 and keeps one checkpoint per group', async () => {
      expect(await store.loadCheckpoint('routing')).toBe(0);
      await store.saveCheckpoint('routing', 5);
      await store.saveCheckpoint('sla', 2);
      expect(await store.loadCheckpoint('routing')).toBe(5);
      expect(await store.loadCheckpoint('sla')).toBe(2);
    });

    it('never moves a checkpoint backwards on save, only on an explicit reset', async () => {
      await store.saveCheckpoint('routing', 9);
      await store.saveCheckpoint('routing', 4);
      expect(await store.loadCheckpoint('routing')).toBe(9);
      await store.resetCheckpoint('routing', 3);
      expect(await store.loadCheckpoint('routing')).toBe(3);
      await store.resetCheckpoint('new-group', 0);
      expect(await store.loadCheckpoint('new-group')).toBe(0);
    });

    it('parks, gets and lists dead letters in position order, filtered by group', async () => {
      await store.park(deadLetter({ id: 'b', position: 20, eventId: 'event-20' }));
      await store.park(deadLetter({ id: 'a', position: 10, eventId: 'event-10' }));
      await store.park(deadLetter({ id: 'c', group: 'sla', position: 15, eventId: 'event-10' }));
      expect((await store.listParked()).map((r) => r.id)).toEqual(['a', 'c', 'b']);
      expect((await store.listParked({ group: 'routing' })).map((r) => r.id)).toEqual(['a', 'b']);
      expect((await store.listParked({ limit: 1 })).map((r) => r.id)).toEqual(['a']);
      expect(await store.getParked('c')).toEqual(deadLetter({ id: 'c', group: 'sla', position: 15, eventId: 'event-10' }));
      expect(await store.getParked('missing')).toBeUndefined();
      expect(Object.fromEntries(await store.countParked())).toEqual({ routing: 2, sla: 1 });
    });

    it('keeps one record per group and event: parking again updates it and keeps its id', async () => {
      const first = await store.park(deadLetter());
      expect(first).toEqual(deadLetter());
      const again = await store.park(
        deadLetter({
          id: 'dl-2',
          attempts: 6,
          error: { name: 'TypeError', message: 'still', stack: null },
          parkedAt: '2026-01-02T00:00:00.000Z',
          lastFailedAt: '2026-01-02T00:00:00.000Z',
        }),
      );
      expect(again).toEqual(
        deadLetter({ attempts: 6, error: { name: 'TypeError', message: 'still', stack: null }, lastFailedAt: '2026-01-02T00:00:00.000Z' }),
      );
      expect(await store.listParked()).toEqual([again]);
      expect(await store.getParked('dl-2')).toBeUndefined();
    });

    it('hides replayed records unless asked, and re-parking one makes it parked again', async () => {
      await store.park(deadLetter());
      await store.markReplayed('dl-1', new Date('2026-01-03T00:00:00.000Z'));
      expect(await store.listParked()).toEqual([]);
      expect(await store.listParked({ includeReplayed: true })).toEqual([
        deadLetter({ replayedAt: '2026-01-03T00:00:00.000Z' }),
      ]);
      expect((await store.countParked()).get('routing')).toBeUndefined();
      await store.park(deadLetter({ attempts: 6 }));
      expect(await store.listParked()).toEqual([deadLetter({ attempts: 6 })]);
    });
  });
}
