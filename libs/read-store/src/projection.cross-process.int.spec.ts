import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, expect, it, jest } from '@jest/globals';
import { SqliteEventStore } from '@ticketing/event-store';
import { openReadStore, type ReadStore } from './read-store.factory';
import { ProjectionRunner } from './projection.runner';
import type { ProjectionLogger } from './projection.worker';
import { appendNoted, expectedCounts, snapshot, streamCountsProjection } from './testing/stream-counts.projection';
import { describeEachReadStore, type ReadStoreLocation } from './testing/read-store-targets';

const childScript = (name: string): string => join(__dirname, 'testing', 'child', name);

type Child = Readonly<{
  process: ChildProcessWithoutNullStreams;
  lines: string[];
  /** Resolves with the first stdout line (already printed or yet to come) that satisfies `predicate`. */
  line(predicate: (line: string) => boolean): Promise<string>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}>;

const children = new Set<ChildProcessWithoutNullStreams>();

function run(script: string, args: readonly string[]): Child {
  const child = spawn(process.execPath, [childScript(script), ...args], { stdio: 'pipe' });
  children.add(child);
  child.on('exit', () => children.delete(child));
  const lines: string[] = [];
  const waiters: Array<{ predicate: (line: string) => boolean; resolve: (line: string) => void }> = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const waiter of waiters.filter((w) => w.predicate(line))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stderr })),
  );
  return {
    process: child,
    lines,
    exit,
    line: (predicate) =>
      new Promise((resolve, reject) => {
        const found = lines.find(predicate);
        if (found !== undefined) return resolve(found);
        waiters.push({ predicate, resolve });
        void exit.then(({ code, signal, stderr: err }) =>
          reject(new Error(`child exited (${code ?? signal}) before the expected line: ${err}`)),
        );
      }),
  };
}

// Each child transpiles the sources it loads with the TypeScript compiler: seconds, more on a busy machine.
jest.setTimeout(90_000);

describeEachReadStore('projections across processes', (target) => {
  let dir: string;
  let eventsPath: string;
  let location: ReadStoreLocation;
  let eventStore: SqliteEventStore;
  const stores: ReadStore[] = [];
  const runners: ProjectionRunner[] = [];

  const openRead = async (): Promise<ReadStore> => {
    const store = await openReadStore(location.url);
    stores.push(store);
    return store;
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'read-store-xp-'));
    eventsPath = join(dir, 'events.db');
    location = await target.create();
    eventStore = new SqliteEventStore({ path: eventsPath });
  });

  afterEach(async () => {
    // A failed expectation must not leave a child waiting on stdin (and jest waiting on the child).
    for (const child of children) child.kill('SIGKILL');
    for (const runner of runners.splice(0)) await runner.stop();
    for (const store of stores.splice(0)) await store.close();
    await eventStore.close();
    await location.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a process killed in the middle of a batch leaves none of it; the restart applies each event exactly once', async () => {
    for (let i = 0; i < 10; i++) await appendNoted(eventStore, `ticket-${i % 3}`, 1);
    const first = await openRead();
    const before = new ProjectionRunner({ readStore: first, eventStore, projections: [streamCountsProjection()] });
    await before.start();
    await before.waitFor(10);
    await before.stop();
    await appendNoted(eventStore, 'ticket-7', 10); // positions 11..20, one append: one batch

    const child = run('crash-mid-batch.child.js', [eventsPath, location.url, '15']);
    const { signal } = await child.exit;
    expect(signal).toBe('SIGKILL');
    // 11..14 were written inside the same transaction as 15 when the process died.
    expect(child.lines).toEqual(['apply 11 1', 'apply 12 1', 'apply 13 1', 'apply 14 1', 'apply 15 1']);

    const afterCrash = await openRead();
    expect(await snapshot(afterCrash.db)).toEqual({
      counts: { 'ticket-0': 4, 'ticket-1': 3, 'ticket-2': 3 },
      positions: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      checkpoint: 10,
    });

    const restarted = new ProjectionRunner({ readStore: afterCrash, eventStore, projections: [streamCountsProjection()] });
    runners.push(restarted);
    await restarted.start();
    await restarted.waitFor(20);
    expect(await snapshot(afterCrash.db)).toEqual({
      counts: await expectedCounts(eventStore),
      positions: Array.from({ length: 20 }, (_, i) => i + 1),
      checkpoint: 20,
    });
  });

  it('a CLI rebuild beside a running server: both move on, nothing is applied twice or skipped', async () => {
    for (let i = 0; i < 12; i++) await appendNoted(eventStore, `ticket-${i % 4}`, 25); // 300 events
    const readStore = await openRead();
    const warnings: string[] = [];
    const logger: ProjectionLogger = {
      info: () => undefined,
      warn: (_details, message) => void warnings.push(message),
      error: (_details, message) => void warnings.push(message),
    };
    const server = new ProjectionRunner({ readStore, eventStore, projections: [streamCountsProjection()], logger });
    runners.push(server);
    await server.start();
    await server.waitFor(300);

    // The CLI resets the projection and replays the first page (1..50), then pauses.
    const cli = run('rebuild-paused.child.js', [eventsPath, location.url, '50']);
    await cli.line((line) => line === 'paused');
    expect((await snapshot(readStore.db)).checkpoint).toBe(50);

    // The server's next batch finds the checkpoint moved, re-reads it and catches up from 50 itself.
    const head = await appendNoted(eventStore, 'ticket-9', 5);
    await server.waitFor(head);
    expect(warnings).toContain('Checkpoint of stream-counts is no longer at 300 (version or position changed elsewhere)');
    expect((await snapshot(readStore.db)).checkpoint).toBe(head);

    // The CLI's next page then loses the same race, re-reads the checkpoint and finds nothing left to do.
    cli.process.stdin.write('go\n');
    const { code, stderr } = await cli.exit;
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(cli.lines.some((line) => line.includes('"message":"Checkpoint of stream-counts is no longer at 50'))).toBe(true);
    expect(cli.lines.at(-1)).toMatch(/^done .*"state":"stopped","checkpoint":305,"head":305,"lag":0/);

    expect(await snapshot(readStore.db)).toEqual({
      counts: await expectedCounts(eventStore),
      positions: Array.from({ length: head }, (_, i) => i + 1),
      checkpoint: head,
    });
  });
});
