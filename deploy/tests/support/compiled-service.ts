import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const REPO_ROOT = join(__dirname, '../../..');
const TSC = join(REPO_ROOT, 'node_modules/typescript/bin/tsc');

/** Child processes run the compiled deployables, as the image does: bring dist/ up to date first (incremental). */
export async function buildCompiled(): Promise<void> {
  await promisify(execFile)(process.execPath, [TSC, '-b', 'tsconfig.build.json'], { cwd: REPO_ROOT });
}

export type Exit = Readonly<{ code: number | null; signal: NodeJS.Signals | null; output: string }>;

const started = new Set<ChildProcess>();

/** Kills every service `startService` started that is still running (for afterAll). */
export function killServices(): void {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  started.clear();
}

/**
 * Runs `node bin/service.js <args>` in `root` (default: the checkout) with only PATH and the given environment. `serving` resolves
 * with the URL once the service logs that it serves (LOG_LEVEL info or lower); `exited` once it ended.
 */
export function startService(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  root: string = REPO_ROOT,
): { child: ChildProcess; serving: Promise<string>; exited: Promise<Exit> } {
  const child = spawn(process.execPath, [join(root, 'bin/service.js'), ...args], {
    cwd: root,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  let output = '';
  // 'close' rather than 'exit': by then every byte the child wrote has been read.
  const exited = new Promise<Exit>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, output })));
  const serving = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /serving on (http:\/\/[\d.]+:\d+)/.exec(output);
      if (match) resolve(match[1]);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((exit) => reject(new Error(`service exited (${exit.code ?? exit.signal}) before serving:\n${exit.output}`)));
  });
  serving.catch(() => undefined);
  return { child, serving, exited };
}
