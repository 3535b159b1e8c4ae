import { deterministicId, isUuidV7, newId } from './ids';

describe('ids', () => {
  it('creates time-ordered UUIDv7 ids', () => {
    const first = newId();
    const second = newId();
    expect(isUuidV7(first)).toBe(true);
    expect(first < second).toBe(true);
  });

  it('derives the same id from the same name and different ids from different names', () => {
    expect(deterministicId('evt-1:TicketQueued:0')).toBe(deterministicId('evt-1:TicketQueued:0'));
    expect(deterministicId('evt-1:TicketQueued:0')).not.toBe(deterministicId('evt-1:TicketQueued:1'));
  });
});
