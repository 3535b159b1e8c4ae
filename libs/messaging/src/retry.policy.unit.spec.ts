import { backoffDelayMs, DEFAULT_RETRY_POLICY, resolveRetryPolicy } from './retry.policy';

describe('retry policy', () => {
  it('defaults to 5 attempts, 100 ms doubling up to 30 s', () => {
    expect(resolveRetryPolicy()).toEqual({ maxAttempts: 5, initialBackoffMs: 100, maxBackoffMs: 30_000, multiplier: 2 });
    expect([1, 2, 3, 4].map((attempt) => backoffDelayMs(DEFAULT_RETRY_POLICY, attempt))).toEqual([100, 200, 400, 800]);
  });

  it('caps the backoff at maxBackoffMs', () => {
    const policy = resolveRetryPolicy({ maxAttempts: 20, initialBackoffMs: 1_000, multiplier: 3, maxBackoffMs: 10_000 });
    expect([1, 2, 3, 4, 12].map((attempt) => backoffDelayMs(policy, attempt))).toEqual([1_000, 3_000, 9_000, 10_000, 10_000]);
  });

  it.each([
    [{ maxAttempts: 0 }, 'maxAttempts'],
    [{ maxAttempts: 1.5 }, 'maxAttempts'],
    [{ initialBackoffMs: -1 }, 'initialBackoffMs'],
    [{ initialBackoffMs: 500, maxBackoffMs: 100 }, 'maxBackoffMs'],
    [{ multiplier: 0.5 }, 'multiplier'],
  ])('rejects %j', (overrides, field) => {
    expect(() => resolveRetryPolicy(overrides)).toThrow(field);
  });
});
