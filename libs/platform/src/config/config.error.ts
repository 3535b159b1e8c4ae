/** One environment variable whose value is not allowed. */
export type ConfigProblem = Readonly<{ variable: string; value: string; allowed: string }>;

/** Thrown by loadConfig with every bad variable at once, so one restart fixes them all. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      [
        `Invalid configuration (${problems.length} ${problems.length === 1 ? 'problem' : 'problems'}):`,
        ...problems.map((p) => `  - ${p.variable}=${JSON.stringify(maskCredentials(p.value))}: expected ${p.allowed}`),
      ].join('\n'),
    );
    this.name = 'ConfigError';
  }
}

// Connection strings may carry passwords; the message goes to stderr and log collectors.
const maskCredentials = (value: string): string => value.replace(/\/\/[^@/]*@/, '//***@');
