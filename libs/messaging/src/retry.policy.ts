/** How a failing handler is retried before its event is parked. */
export type RetryPolicy = Readonly<{
  /** Deliveries before parking, the first one included. */
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  multiplier: number;
}>;

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  initialBackoffMs: 100,
  maxBackoffMs: 30_000,
  multiplier: 2,
};

/** Fill in defaults and reject values that would retry forever or never wait. */
export function resolveRetryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...overrides };
  const problems: string[] = [];
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) problems.push('maxAttempts must be an integer >= 1');
  if (!Number.isFinite(policy.initialBackoffMs) || policy.initialBackoffMs < 0) problems.push('initialBackoffMs must be >= 0');
  if (!Number.isFinite(policy.maxBackoffMs) || policy.maxBackoffMs < policy.initialBackoffMs) {
    problems.push('maxBackoffMs must be >= initialBackoffMs');
  }
  if (!Number.isFinite(policy.multiplier) || policy.multiplier < 1) problems.push('multiplier must be >= 1');
  if (problems.length > 0) throw new Error(`Invalid retry policy: ${problems.join('; ')}`);
  return policy;
}

/**
 * Wait before attempt `failedAttempt + 1`: exponential, capped. No jitter: each group retries one
 * event at a time, so there is no herd of clients to spread out, and a fixed schedule is testable.
 */
export function backoffDelayMs(policy: RetryPolicy, failedAttempt: number): number {
  const delay = policy.initialBackoffMs * policy.multiplier ** (failedAttempt - 1);
  return Math.min(delay, policy.maxBackoffMs);
}
