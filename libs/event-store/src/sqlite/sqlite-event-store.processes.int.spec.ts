import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '@ticketing/kernel';
import type { RecordedEvent } from '../event-store.port';
import { verifyChainAsync } from '../hash-chain';
import { SqliteEventStore } from './sqlite-event-store.adapter';

// The children are plain JS that load the TypeScript adapter through a transpile-on-require hook
// (libs/testing/src/child/register-ts.js), so they run exactly the code under test, not a build of it.
const childDir = join(__dirname, '..', 'testing', 'child');

type Child = Readonly<{
  process: ChildProcessWithoutNullStreams;
  /** Complete stdout lines so far (a line cut off by a kill is not one). */
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  waitForLine: (predicate: (lines: readonly string[]) => boolean) => Promise<void>;
}>;

function startChild(script: string, args: readonly string[]): Child {
  const child = spawn(process.execPath, [join(childDir, script), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    for (const waiter of [...waiters]) waiter();
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => {
      for (const waiter of [...waiters]) waiter();
      resolve({ code, signal, stderr });
    }),
  );
  const waitForLine = (predicate: (lines: readonly string[]) => boolean) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (predicate(lines)) {
          waiters.delete(check);
          resolve();
        } else if (child.exitCode !== null || child.signalCode !== null) {
          waiters.delete(check);
          reject(new Error(`child exited (${child.exitCode ?? child.signalCode}) before the expected output: ${stderr}`));
        }
      };
      waiters.add(check);
      check();
    });
  return { process: child, lines, exited, waitForLine };
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

async function expectConsistentLog(store: SqliteEventStore): Promise<RecordedEvent[]> {
  const all = await collect(store.readAll());
  expect(all.map((event) => event.globalPosition)).toEqual(all.map((_, i) => i + 1));
  expect(await store.headPosition()).toBe(all.length);
  for (const streamName of new Set(all.map((event) => event.streamName))) {
    expect({ streamName, ...(await verifyChainAsync(store.readStream(streamName))) }).toMatchObject({ streamName, valid: true });
  }
  return all;
}

describe('SqliteEventStore across processes', () => {
  let dir: string;
  let path: string;
  const children: Child[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'event-store-processes-'));
    path = join(dir, 'events.db');
  });
  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
      await child.exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged append when the appending process is SIGKILLed mid-load, round after round', async () => {
    const acknowledged: string[] = [];
    const rounds = ['r1', 'r2', 'r3'];
    for (const [index, round] of rounds.entries()) {
      const child = startChild('append-forever.child.js', [path, round]);
      children.push(child);
      const acks = (lines: readonly string[]) => lines.filter((line) => line.startsWith('ack '));
      await child.waitForLine((lines) => acks(lines).length >= 200);
      child.process.kill('SIGKILL');
      const { signal, stderr } = await child.exited;
      expect({ signal, stderr }).toEqual({ signal: 'SIGKILL', stderr: '' });
      acknowledged.push(...acks(child.lines).map((line) => line.slice('ack '.length)));

      const store = new SqliteEventStore({ path });
      const all = await expectConsistentLog(store);
      const stored = new Set(all.map((event) => event.id));
      expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
      // Beyond the acknowledged ones, a round can have committed at most the append in flight (<= 5 events).
      expect(all.length - acknowledged.length).toBeLessThanOrEqual(5 * (index + 1));
      await store.close();
    }
    expect(acknowledged.length).toBeGreaterThanOrEqual(600);
  }, 60_000);

  it('keeps positions gap-free and streams consistent when two processes append to the same file at once', async () => {
    const perChild = 300;
    const appenders = ['p1', 'p2'].map((label) => startChild('concurrent-appender.child.js', [path, label, String(perChild), 'shared-1']));
    children.push(...appenders);
    await Promise.all(appenders.map((child) => child.waitForLine((lines) => lines.includes('ready'))));
    for (const child of appenders) child.process.stdin.end('go\n');
    const exits = await Promise.all(appenders.map((child) => child.exited));
    expect(exits.map(({ code, stderr }) => ({ code, stderr }))).toEqual([
      { code: 0, stderr: '' },
      { code: 0, stderr: '' },
    ]);

    const store = new SqliteEventStore({ path });
    const all = await expectConsistentLog(store);
    expect(all).toHaveLength(2 * perChild);
    const shared = await collect(store.readStream('shared-1'));
    expect(shared.map((event) => event.streamRevision)).toEqual(shared.map((_, i) => i));
    expect(new Set(shared.map((event) => event.id)).size).toBe(perChild);
    for (const label of ['p1', 'p2']) {
      expect(await collect(store.readStream(`own-${label}`))).toHaveLength(perChild / 2);
    }
    // Both really wrote while the other did (the children hand-shake after their first append).
    const writers = all.map((event) => event.id.split('-')[0]);
    const switches = writers.filter((writer, i) => i > 0 && writer !== writers[i - 1]).length;
    expect(switches).toBeGreaterThanOrEqual(1);
    await store.close();
  }, 60_000);

  it('delivers to a live subscription the events another process appends, on its next poll', async () => {
    const clock = new ManualClock();
    const store = new SqliteEventStore({ path, clock, pollIntervalMs: 1_000 });
    await store.append('ticket-1', [
      {
        id: 'local-1',
        type: 'TicketNoted',
        schemaVersion: 1,
        data: {},
        metadata: { ticketId: 't', correlationId: 'c', causationId: 'c', actor: { kind: 'agent', id: 'a' }, occurredAt: '2026-01-01T00:00:00.000Z' },
      },
    ], { expectedRevision: 'no_stream' });
    const subscription = store.subscribe({ fromPosition: 0 });
    const iterator = subscription[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toMatchObject({ id: 'local-1' });
    const next = iterator.next();

    const other = startChild('concurrent-appender.child.js', [path, 'remote', '4', 'shared-1']);
    children.push(other);
    await other.waitForLine((lines) => lines.includes('ready'));
    other.process.stdin.end('go\n');
    expect((await other.exited).code).toBe(0);
    // Nothing in this process announced those appends: only the poll timer can find them.
    while (clock.pendingSleeps === 0) await new Promise((resolve) => setImmediate(resolve));
    clock.advance(1_000);

    const received = [(await next).value as RecordedEvent];
    for (let i = 0; i < 3; i++) received.push((await iterator.next()).value as RecordedEvent);
    expect(received.map((event) => event.globalPosition)).toEqual([2, 3, 4, 5]);
    expect(received.every((event) => event.id.startsWith('remote-'))).toBe(true);
    await subscription.close();
    await store.close();
  }, 60_000);
});
