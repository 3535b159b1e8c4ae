import { TooManyRequestsError } from '@ticketing/kernel';
import { StreamSlots } from './stream-slots';

const alice = { kind: 'customer' as const, id: 'alice' };
const bob = { kind: 'customer' as const, id: 'bob' };
const agentAlice = { kind: 'agent' as const, id: 'alice' };

describe('StreamSlots', () => {
  it('refuses an actor past its cap, leaving others their slots', () => {
    const slots = new StreamSlots({ perActor: 2, total: 10 });
    slots.acquire(alice);
    slots.acquire(alice);
    expect(() => slots.acquire(alice)).toThrow(TooManyRequestsError);
    expect(() => slots.acquire(alice)).toThrow(expect.objectContaining({ details: { limit: 2, scope: 'actor' } }));
    slots.acquire(bob);
    slots.acquire(agentAlice);
    expect(slots.openCount(alice)).toBe(2);
    expect(slots.openCount()).toBe(4);
  });

  it('refuses anyone past the total', () => {
    const slots = new StreamSlots({ perActor: 5, total: 2 });
    slots.acquire(alice);
    slots.acquire(bob);
    expect(() => slots.acquire(agentAlice)).toThrow(expect.objectContaining({ details: { limit: 2, scope: 'total' } }));
  });

  it('gives a slot back on release, once however often it is called', () => {
    const slots = new StreamSlots({ perActor: 1, total: 2 });
    const slot = slots.acquire(alice);
    slot.release();
    slot.release();
    expect(slots.openCount()).toBe(0);
    expect(slots.openCount(alice)).toBe(0);
    slots.acquire(alice);
    slots.acquire(bob);
    expect(() => slots.acquire(agentAlice)).toThrow(TooManyRequestsError);
  });
});
