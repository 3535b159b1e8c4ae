import { spawnSync } from 'node:child_process';

export type ContainerEngine = Readonly<{ available: true; host: string }> | Readonly<{ available: false; reason: string }>;

/**
 * Asks testcontainers whether a container engine answers, synchronously, so a spec can decide at
 * collection time between `describe` and `describe.skip` (Jest collects tests synchronously and
 * offers no way to skip a test once it runs, and a test that returns early would be reported as
 * passed). The question runs in a short-lived child process, bounded by `timeoutMs`: a missing
 * socket fails in milliseconds, a wedged daemon cannot hang the test run, and testcontainers starts
 * nothing in the test process when there is no engine.
 */
export function detectContainerEngine(timeoutMs = 15_000): ContainerEngine {
  const script = `
    const done = (answer) => { process.stdout.write(JSON.stringify(answer)); process.exit(0); };
    setTimeout(() => done({ available: false, reason: 'the container engine did not answer within ${timeoutMs} ms' }), ${timeoutMs}).unref();
    require('testcontainers').getContainerRuntimeClient().then(
      (client) => done({ available: true, host: String(client.info.containerRuntime.host) }),
      (error) => done({ available: false, reason: String((error && error.message) || error) }),
    );
  `;
  const child = spawnSync(process.execPath, ['-e', script], {
    cwd: process.cwd(),
    encoding: 'utf8',
    timeout: timeoutMs + 5_000,
    env: { ...process.env, DEBUG: '' },
  });
  if (child.error) return { available: false, reason: `could not ask testcontainers: ${child.error.message}` };
  try {
    return JSON.parse(child.stdout.trim()) as ContainerEngine;
  } catch {
    return { available: false, reason: `unexpected answer from testcontainers: ${(child.stdout + child.stderr).trim().slice(0, 500)}` };
  }
}
