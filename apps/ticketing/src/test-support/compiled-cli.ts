import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const REPO_ROOT = join(__dirname, '../../../..');
const TSC = join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
const CLI = join(REPO_ROOT, 'bin/ticketing.js');

/** Child processes run the compiled CLI, as users do: bring dist/ up to date first (incremental). */
export async function buildCompiledCli(): Promise<void> {
  await promisify(execFile)(process.execPath, [TSC, '-b', 'tsconfig.build.json'], { cwd: REPO_ROOT });
}

export type CliResult = Readonly<{ code: number | null; stdout: string; stderr: string }>;

/** Runs `ticketing <args>` to completion with only the given TICKETING_* environment. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env: { PATH: process.env.PATH, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const started = new Set<ChildProcess>();

/** Kills every server `startCliServer` started that is still running (for afterAll). */
export function killCliServers(): void {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  started.clear();
}

/** Starts `ticketing start` and resolves with its URL once it logs that it serves (needs LOG_LEVEL info or lower). */
export type ServerExit = Readonly<{ code: number | null; signal: NodeJS.Signals | null; output: string }>;

export function startCliServer(
  env: NodeJS.ProcessEnv,
): Promise<{ child: ChildProcess; baseUrl: string; grpcAddress: string | undefined; exited: Promise<ServerExit> }> {
  const child = spawn(process.execPath, [CLI, 'start'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH, TICKETING_HTTP_PORT: '0', TICKETING_GRPC_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  let output = '';
  // 'close' rather than 'exit': by then every byte the child wrote has been read.
  const exited = new Promise<ServerExit>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, output })));
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Serving on (http:\/\/[\d.]+:\d+)/.exec(output);
      if (match) {
        const grpcPort = /grpc on (\d+)/i.exec(output)?.[1];
        resolve({ child, baseUrl: match[1], grpcAddress: grpcPort && `127.0.0.1:${grpcPort}`, exited });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`ticketing start exited with ${code} before serving:\n${output}`)));
  });
}
