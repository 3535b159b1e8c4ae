// Test support: is there a container engine testcontainers can use? Asked synchronously (Jest
// declares tests synchronously) in a child process with a hard timeout, so a missing or hanging
// engine costs a second or two, never a hung test run.
import { spawnSync } from 'node:child_process';

export type ContainerRuntime = Readonly<{ available: true; description: string } | { available: false; reason: string }>;

const PROBE = `
const { getContainerRuntimeClient } = require(process.argv[1]);
getContainerRuntimeClient().then(
  (client) => { process.stdout.write(JSON.stringify({ available: true, description: String(client.info.containerRuntime.host) })); process.exit(0); },
  (error) => { process.stdout.write(JSON.stringify({ available: false, reason: String(error && error.message || error) })); process.exit(0); },
);
`;

let cached: ContainerRuntime | undefined;

/** Detects the engine once per test file; `TICKETING_SKIP_CONTAINERS=1` skips without asking. */
export function detectContainerRuntime(timeoutMs = 15_000): ContainerRuntime {
  if (cached) return cached;
  if (process.env['TICKETING_SKIP_CONTAINERS'] === '1') return (cached = { available: false, reason: 'TICKETING_SKIP_CONTAINERS=1' });
  const child = spawnSync(process.execPath, ['-e', PROBE, require.resolve('testcontainers')], { timeout: timeoutMs, encoding: 'utf8' });
  if (child.error) return (cached = { available: false, reason: `probing the container engine failed: ${child.error.message}` });
  try {
    cached = JSON.parse(child.stdout) as ContainerRuntime;
  } catch {
    cached = { available: false, reason: `no answer from the container engine probe within ${timeoutMs} ms (${child.stderr.trim() || 'no output'})` };
  }
  return cached;
}
