import { TooManyRequestsError } from '@ticketing/kernel';
import type { RateLimitsConfig } from '../config/ticketing-config';
import { rateLimitExceeded, rateLimitHeaders, RateLimits } from './rate-limits';

const config: RateLimitsConfig = {
  enabled: true,
  customerWrites: { points: 2, windowSeconds: 60 },
  staffWrites: { points: 3, windowSeconds: 60 },
  reads: { points: 1, windowSeconds: 1 },
  streams: { points: 1, windowSeconds: 60 },
  anonymous: { points: 1, windowSeconds: 60 },
};
const customer = { kind: 'customer' as const, id: 'c-1' };
const agent = { kind: 'agent' as const, id: 'a-1' };

describe('RateLimits', () => {
  afterEach(() => jest.useRealTimers());

  it('draws on the budget of the role and class, or of the client IP without an actor', () => {
    const limits = new RateLimits(config);
    expect(limits.budgetOf('write', customer)).toBe('customer-writes');
    expect(limits.budgetOf('write', agent)).toBe('staff-writes');
    expect(limits.budgetOf('write', { kind: 'service' })).toBe('staff-writes');
    expect(limits.budgetOf('read', customer)).toBe('reads');
    expect(limits.budgetOf('stream', agent)).toBe('streams');
    expect(limits.budgetOf('write', undefined)).toBe('anonymous');
  });

  it('allows the budget per actor, then refuses with the time until the window resets', async () => {
    const limits = new RateLimits(config);
    expect(await limits.consume('write', customer, '10.0.0.1')).toMatchObject({ allowed: true, remaining: 1 });
    expect(await limits.consume('write', customer, '10.0.0.1')).toMatchObject({ allowed: true, remaining: 0 });
    const refused = await limits.consume('write', customer, '10.0.0.1');
    expect(refused).toMatchObject({ allowed: false, budget: 'customer-writes', remaining: 0 });
    expect(refused.resetMs).toBeGreaterThan(59_000);
    expect(await limits.consume('write', { kind: 'customer', id: 'c-2' }, '10.0.0.1')).toMatchObject({ allowed: true });
    expect(await limits.consume('write', undefined, '10.0.0.1')).toMatchObject({ allowed: true, budget: 'anonymous' });
    expect(await limits.consume('write', undefined, '10.0.0.1')).toMatchObject({ allowed: false });
    expect(await limits.consume('write', undefined, '10.0.0.2')).toMatchObject({ allowed: true });
  });

  it('fills the budget again when the window ends (fake timers: the library reads Date.now)', async () => {
    jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    const limits = new RateLimits(config);
    expect((await limits.consume('read', agent, 'ip')).allowed).toBe(true);
    expect((await limits.consume('read', agent, 'ip')).allowed).toBe(false);
    jest.advanceTimersByTime(1_000);
    expect((await limits.consume('read', agent, 'ip')).allowed).toBe(true);
  });

  it('says the policy and what is left in IETF RateLimit fields, and the wait in the refusal', async () => {
    const limits = new RateLimits(config);
    await limits.consume('write', agent, 'ip');
    const decision = await limits.consume('write', agent, 'ip');
    expect(rateLimitHeaders({ ...decision, resetMs: 41_200 })).toEqual({
      'ratelimit-policy': '"staff-writes";q=3;w=60',
      ratelimit: '"staff-writes";r=1;t=42',
    });
    const error = rateLimitExceeded({ ...decision, allowed: false, resetMs: 41_200 });
    expect(error).toBeInstanceOf(TooManyRequestsError);
    expect(error.retryAfterMs).toBe(41_200);
    expect(error.details).toEqual({ budget: 'staff-writes', limit: 3, windowSeconds: 60, retryAfterSeconds: 42 });
  });
});
