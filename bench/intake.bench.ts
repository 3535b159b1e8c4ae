import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import Fastify from 'fastify';

type AutocannonResult = {
  requests: { total: number; average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
};
// autocannon ships no type declarations; this is the part of its API the bench uses.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (options: Record<string, unknown>) => Promise<AutocannonResult>;

const ROOT = resolve(__dirname, '..', '..');
const CONNECTIONS = 50;
const DURATION_SECONDS = 10;
/** Unmeasured load first: the JIT and the caches warm up, as they would have in a server that has been running. */
const WARM_UP_SECONDS = 3;
const chatTicket = (language: string, subject: string, body: string): string =>
  JSON.stringify({ channel: 'chat', subject, body, language, chat: { sessionId: 'bench' } });
const TICKET = chatTicket('en', 'Withdrawal pending', 'My BTC withdrawal has been pending for three hours, please check');
/**
 * One customer opens every ticket, far past the production default of 60 writes/min: the bench
 * raises that limit (the limiter still runs on every request, as in production) and says so.
 */
const BENCH_LIMITS = { TICKETING_RATE_LIMIT_CUSTOMER_WRITES: '1000000/s' } as const;
/** Language detection (eld, on worker threads beside HTTP) and the classifier cost differently by script: each run is shown beside English. */
const RUSSIAN_TICKET = chatTicket(
  'ru',
  'Вывод завис',
  'Здравствуйте! Не могу вывести средства уже второй день, заявка висит в статусе ожидания. Помогите, пожалуйста.',
);
const CHINESE_TICKET = chatTicket('zh', '提币一直在处理中', '您好，我的BTC提币已经处理中三个小时了，到现在还没有到账，请帮我查一下是什么原因。');
/** The issue's target: every language's intake throughput at least this share of English's. */
const LANGUAGE_RATIO_TARGET = 0.8;
/** Today's intake throughput as a share of the bare Fastify route (README, before classification): no worse. */
const BARE_RATIO_TARGET = 0.15;
const OPEN_TO_QUEUED_P99_TARGET_MS = 100;
/** Between loads, so routing drains the previous one's tickets before the next one starts. */
const DRAIN_MS = 3_000;

export type Load = Readonly<{ requests: number; perSecond: number; p50: number; p99: number; non2xx: number; errors: number }>;

async function load(url: string, headers: Record<string, string>, duration = DURATION_SECONDS, body = TICKET): Promise<Load> {
  const result = await autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration,
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return {
    requests: result.requests.total,
    perSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

/** The node flags of package.json's `start` script, so the bench measures what `npm start` runs. */
function npmStartNodeFlags(): string[] {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  return manifest.scripts['start'].split(/\s+/).filter((word) => word.startsWith('--'));
}

/** `ticketing start`: what the bench measures unless told otherwise. */
export const TICKETING_START: readonly string[] = [join(ROOT, 'bin/ticketing.js'), 'start'];

/**
 * Starts the product as `npm start` does on `dataDir`, any free ports. `command`: the node
 * arguments after `npm start`'s flags; it must log `Serving on <url>` as `ticketing start` does.
 */
export function startServer(dataDir: string, command: readonly string[] = TICKETING_START, env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; baseUrl: string }> {
  const child = spawn(process.execPath, [...npmStartNodeFlags(), ...command], {
    env: { PATH: process.env.PATH, TICKETING_DATA_DIR: dataDir, TICKETING_HTTP_PORT: '0', TICKETING_GRPC_PORT: '0', LOG_LEVEL: 'info', ...BENCH_LIMITS, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolvePromise, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Serving on (http:\/\/[\d.]+:\d+)/.exec(output);
      if (!match) return;
      // From here on the request log is only drained: scanning it would take CPU from the load generator.
      child.stdout?.off('data', onData);
      child.stdout?.resume();
      resolvePromise({ child, baseUrl: match[1] });
    };
    child.stdout?.on('data', onData);
    child.on('exit', (code) => reject(new Error(`ticketing start exited with ${code}`)));
  });
}

/** A dev token signed with the data folder's secret (the bench's customer by default). */
export function mintToken(dataDir: string, role = 'customer', sub = 'bench'): string {
  const result = execFileSync(process.execPath, [join(ROOT, 'bin/ticketing.js'), 'token', '--role', role, '--sub', sub], {
    env: { PATH: process.env.PATH, TICKETING_DATA_DIR: dataDir },
  });
  return result.toString().trim();
}

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

type Window = Readonly<{ from: string; to: string }>;
type OpenToQueued = Readonly<{ opened: number; queued: number; apart: number; p50: number; p99: number }>;

/**
 * Open → classified → queued per ticket, from the store's own commit timestamps (recordedAt), so the
 * load generator does not skew it. Routing appends TicketClassified and TicketQueued together on
 * `routing-<ticketId>`; `apart` counts the tickets where they were not committed at the same instant.
 */
function openToQueuedMs(eventsDb: string, window: Window): OpenToQueued {
  const db = new Database(eventsDb, { readonly: true });
  const rows = db
    .prepare(
      `SELECT o.recorded_at AS opened, c.recorded_at AS classified, q.recorded_at AS queued
         FROM es_events o
         LEFT JOIN es_events c ON c.stream_name = 'routing-' || substr(o.stream_name, 8) AND c.type = 'TicketClassified'
         LEFT JOIN es_events q ON q.stream_name = 'routing-' || substr(o.stream_name, 8) AND q.type = 'TicketQueued'
        WHERE o.type = 'TicketOpened' AND o.recorded_at >= ? AND o.recorded_at < ?`,
    )
    .all(window.from, window.to) as Array<{ opened: string; classified: string | null; queued: string | null }>;
  db.close();
  const queued = rows.filter((row) => row.queued !== null);
  const delays = queued.map((row) => Date.parse(row.queued!) - Date.parse(row.opened)).sort((a, b) => a - b);
  const apart = queued.filter((row) => row.classified !== row.queued).length;
  return { opened: rows.length, queued: delays.length, apart, p50: percentile(delays, 50), p99: percentile(delays, 99) };
}

/** A measured load, with the commit-time window its tickets were opened in. */
async function measured(url: string, headers: Record<string, string>, body: string): Promise<{ load: Load; window: Window }> {
  const from = new Date().toISOString();
  const result = await load(url, headers, DURATION_SECONDS, body);
  return { load: result, window: { from, to: new Date().toISOString() } };
}

async function bareFastifyLikeRoute(): Promise<Load> {
  // The ceiling on this machine: a bare Fastify route that answers 201, under the same load generator.
  const app = Fastify();
  app.post('/v1/tickets', async (_request, reply) => reply.code(201).send({ id: 'x', status: 'open' }));
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    await load(`${address}/v1/tickets`, {}, WARM_UP_SECONDS);
    return await load(`${address}/v1/tickets`, {});
  } finally {
    await app.close();
  }
}

/**
 * The English run of runIntakeBench on its own (warm-up, then the measured load), against the server
 * `command` starts (default `ticketing start`): other benches compare compositions with it.
 * `inspect` reads the data directory right after the measured load, before the server stops.
 */
export async function measureIntake<T>(command: readonly string[], inspect: (dataDir: string) => T): Promise<{ load: Load; inspected: T }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ticketing-bench-'));
  const { child, baseUrl } = await startServer(dataDir, command);
  try {
    const headers = { authorization: `Bearer ${mintToken(dataDir)}` };
    const url = `${baseUrl}/v1/tickets`;
    await load(url, headers, WARM_UP_SECONDS);
    const result = await load(url, headers);
    return { load: result, inspected: inspect(dataDir) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((done) => child.once('exit', done));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Tickets opened over HTTP against `ticketing start` (50 clients) in English, Russian and Chinese,
 * open → classified → queued latency, and a bare Fastify route for scale.
 */
export async function runIntakeBench(): Promise<void> {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const dataDir = mkdtempSync(join(tmpdir(), 'ticketing-bench-'));
  const { child, baseUrl } = await startServer(dataDir);
  try {
    const token = mintToken(dataDir);
    log('');
    log(`intake bench: POST /v1/tickets against \`ticketing start\` (embedded default), ${CONNECTIONS} connections, ${DURATION_SECONDS} s after ${WARM_UP_SECONDS} s of warm-up, load generator on the same machine`);
    log(`rate limits raised for the bench: ${Object.entries(BENCH_LIMITS).map(([name, value]) => `${name}=${value}`).join(' ')} (default 60/min per customer)`);
    const headers = { authorization: `Bearer ${token}` };
    const url = `${baseUrl}/v1/tickets`;
    await load(url, headers, WARM_UP_SECONDS);
    const runs: Array<{ name: string; language: string; load: Load; window: Window }> = [];
    for (const [name, language, body] of [
      ['open ticket (ticketing start)', 'English', TICKET],
      ['  the same, Russian text', 'Russian', RUSSIAN_TICKET],
      ['  the same, Chinese text', 'Chinese', CHINESE_TICKET],
    ] as const) {
      if (runs.length > 0) await new Promise((done) => setTimeout(done, DRAIN_MS));
      runs.push({ name, language, ...(await measured(url, headers, body)) });
    }
    await new Promise((done) => setTimeout(done, DRAIN_MS));
    const bare = await bareFastifyLikeRoute();
    const english = runs[0].load;
    log(`${'scenario'.padEnd(36)} ${'req/s'.padStart(9)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'non-2xx'.padStart(8)} ${'vs en'.padStart(6)}`);
    const row = (name: string, result: Load, share = '') =>
      log(
        `${name.padEnd(36)} ${result.perSecond.toFixed(0).padStart(9)} ${String(result.p50).padStart(8)} ${String(result.p99).padStart(8)} ${String(result.non2xx + result.errors).padStart(8)} ${share.padStart(6)}`,
      );
    const shareOfEnglish = (result: Load) => result.perSecond / english.perSecond;
    for (const run of runs) row(run.name, run.load, `${(shareOfEnglish(run.load) * 100).toFixed(0)}%`);
    row('bare Fastify route → 201', bare);
    const bareShare = english.perSecond / bare.perSecond;
    log(`ratio ours/bare: ${(bareShare * 100).toFixed(1)}% of the bare route's throughput (English tickets)`);
    const events = join(dataDir, 'events.db');
    const latencies = runs.map((run) => ({ language: run.language, ...openToQueuedMs(events, run.window) }));
    for (const latency of latencies) {
      log(
        `open → classified → queued (one append; store commit times), ${latency.language}: ${latency.queued}/${latency.opened} queued, p50 ${latency.p50} ms, p99 ${latency.p99} ms` +
          (latency.apart > 0 ? `; ${latency.apart} classified and queued in separate commits` : ''),
      );
    }
    const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
    const slowest = runs.slice(1).reduce((worst, run) => (shareOfEnglish(run.load) < shareOfEnglish(worst.load) ? run : worst));
    log('targets:');
    log(`  >= 2,000 tickets/s opened and queued (English): ${english.perSecond.toFixed(0)}, ${met(english.perSecond >= 2_000)}`);
    log(`  p99 open → classified → queued < ${OPEN_TO_QUEUED_P99_TARGET_MS} ms (English): ${latencies[0].p99} ms, ${met(latencies[0].p99 < OPEN_TO_QUEUED_P99_TARGET_MS)}`);
    log(`  ours/bare >= ${BARE_RATIO_TARGET * 100}% (today's, before classification): ${(bareShare * 100).toFixed(1)}%, ${met(bareShare >= BARE_RATIO_TARGET)}`);
    log(
      `  every language >= ${LANGUAGE_RATIO_TARGET * 100}% of English's throughput: slowest ${slowest.language} at ${(shareOfEnglish(slowest.load) * 100).toFixed(0)}%, ` +
        met(shareOfEnglish(slowest.load) >= LANGUAGE_RATIO_TARGET),
    );
  } finally {
    child.kill('SIGTERM');
    await new Promise((done) => child.once('exit', done));
    rmSync(dataDir, { recursive: true, force: true });
  }
}
