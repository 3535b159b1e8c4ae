import { spawnSync } from 'node:child_process';

export type ContainerEngine = Readonly<{ available: true; host: string }> | Readonly<{ available: false; reason: string }>;

// Runs in a child process: a missing socket fails in milliseconds, a wedged daemon cannot hang the
// test run, and testcontainers starts nothing in the test process when there is no engine.
const PROBE = `
const done = (answer) => { process.stdout.write(JSON.stringify(answer)); process.exit(0); };
require(process.argv[1]).getContainerRuntimeClient().then(
  (client) => done({ available: true, host: String(client.info.containerRuntime.host) }),
  (error) => done({ available: false, reason: String((error && error.message) || error) }),
);
`;

let cached: ContainerEngine | undefined;

/**
 * Whether testcontainers finds a container engine, asked once per test file and synchronously, so a
 * spec can choose between `describe` and `describe.skip` at collection time (Jest offers no way to
 * skip a test once it runs, and a test that returns early would be reported as passed).
 * `TICKETING_SKIP_CONTAINERS=1` answers "no" without asking.
 */
export function detectContainerEngine(timeoutMs = 15_000): ContainerEngine {
  if (cached) return cached;
  if (process.env['TICKETING_SKIP_CONTAINERS'] === '1') return (cached = { available: false, reason: 'TICKETING_SKIP_CONTAINERS=1' });
  const child = spawnSync(process.execPath, ['-e', PROBE, require.resolve('testcontainers')], {
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, DEBUG: '' },
  });
  if (child.error) return (cached = { available: false, reason: `probing the container engine failed: ${child.error.message}` });
  try {
    cached = JSON.parse(child.stdout.trim()) as ContainerEngine;
  } catch {
    cached = { available: false, reason: `no answer from the container engine probe within ${timeoutMs} ms (${child.stderr.trim().slice(0, 500) || 'no output'})` };
  }
  return cached;
}

/**
 * `describe` where a container engine answers; elsewhere `describe.skip`, with the reason in the
 * title and on the console, so the run reports the tests as skipped, never as passed.
 */
export function describeWithContainerEngine(title: string, body: () => void): void {
  const engine = detectContainerEngine();
  if (engine.available) return describe(title, body);
  // stderr, not console: Jest drops a fully skipped file's console output in a whole run.
  process.stderr.write(`\nSKIPPED: ${title} — no container engine: ${engine.reason}\n`);
  describe.skip(`${title} [skipped: no container engine — ${engine.reason}]`, body);
}
