import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import type { DisputeEvent } from '@ticketing/contracts';
import { Dec, decimalString, deviationOf, disputeDecider, evolveDispute, initialDisputeState, type DisputeCommand, type DisputeRules, type DisputeState } from '@ticketing/disputes-domain';
import { verifyEvidenceBundle, verifyEvidenceBundleText } from '@ticketing/evidence-bundle';
import type { Actor } from '@ticketing/kernel';
import { publicKeyFromPem } from '@ticketing/platform';
import { mintToken, startServer, TICKETING_START } from './intake.bench';
import { seededRandom } from './kb-corpus';

/**
 * `npm run bench -- disputes`: the disputes context, in four parts.
 * 1. The deviation check alone (deviationOf over random 18-decimal prices, decimal.js) and the
 *    decider's SubmitEvidence (index_price → DeviationAssessed) in memory.
 * 2. Over HTTP against `ticketing start` (embedded SQLite): 500 tickets opened and waited for in the
 *    dispute-parties read model, 500 disputes opened, then trade_log / index_price / statement
 *    evidence, 16 requests in flight.
 * 3. One case with 1,000 evidence items: GET /bundle, its size, verifyEvidenceBundle offline, and
 *    `ticketing audit verify-bundle` once.
 * 4. Recoveries over HTTP: request → accept → tracing → outcome for 500 tickets.
 */

const ROOT = resolve(__dirname, '..', '..');
const log = (line: string) => process.stdout.write(`${line}\n`);
const percentile = (sorted: readonly number[], p: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);
const sortedCopy = (values: readonly number[]) => [...values].sort((a, b) => a - b);
const fixed = (value: number, digits = 0) => (Number.isFinite(value) ? value.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '—');
const MiB = 1024 * 1024;
const mb = (bytes: number) => `${(bytes / MiB).toFixed(2)} MB`;
const load = () => `load average ${loadavg().map((value) => value.toFixed(2)).join(' ')}`;
const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** The default tolerance (TICKETING_DISPUTES_TOLERANCES unset) and index price window. */
const TOLERANCE = '0.005';
const RULES: DisputeRules = { toleranceFor: () => TOLERANCE, indexPriceWindowMs: 1_000, maxRounds: 3, clockSkewMs: 60_000 };
const POSITION = { symbol: 'BTCUSDT', side: 'long', size: '0.75', leverage: '20', marginMode: 'isolated' } as const;
const CUSTOMER: Actor = { kind: 'customer', id: 'bench-customer' };
const ENGINE: Actor = { kind: 'service', id: 'trading-engine' };

/** Requests in flight over HTTP (the brief's 16). */
const IN_FLIGHT = 16;
const DISPUTES = 500;
const RECOVERIES = 500;
const BIG_CASE_ITEMS = 1_000;
const BUNDLE_EXPORTS = 20;
const VERIFY_RUNS = 10;
const FILLS_PER_LOG = 50;
/** Wall time each in-memory loop of part 1 runs for, after its warm-up. */
const LOOP_MS = 2_000;
/** Every write and read budget raised for the bench (the limiter still runs on every request). */
const LIMITS = { TICKETING_RATE_LIMIT_STAFF_WRITES: '1000000/s', TICKETING_RATE_LIMIT_READS: '1000000/s' } as const;

// ---------------------------------------------------------------------------------------------
// Prices and evidence.

const digits = (rand: () => number, count: number) => Array.from({ length: count }, () => Math.floor(rand() * 10)).join('');

/** A price with 1–5 integer digits and exactly 18 decimals (the API's maximum scale). */
function randomPrice(rand: () => number): string {
  const integer = String(1 + Math.floor(rand() * 10 ** (1 + Math.floor(rand() * 5))));
  return `${integer}.${digits(rand, 17)}${1 + Math.floor(rand() * 9)}`;
}

/** An index price within ±1% of `liquidation`, 18 decimals: about half within the 0.5% tolerance. */
function indexNear(rand: () => number, liquidation: string): string {
  const factor = new Dec(1).plus(new Dec(rand() * 0.02 - 0.01).toDecimalPlaces(12));
  return decimalString(new Dec(liquidation).times(factor).toDecimalPlaces(18, Dec.ROUND_HALF_EVEN));
}

const iso = (ms: number) => new Date(ms).toISOString();

function tradeLog(rand: () => number, n: number, liquidatedMs: number, fills = FILLS_PER_LOG): Record<string, unknown> {
  const orderId = `o-${n}`;
  return {
    orders: [{ orderId, side: 'buy', price: randomPrice(rand), quantity: '0.75', at: iso(liquidatedMs - 3_600_000) }],
    fills: Array.from({ length: fills }, (_, k) => ({
      orderId,
      fillId: `f-${n}-${k}`,
      price: randomPrice(rand),
      quantity: '0.015',
      fee: '0.0193200000',
      at: iso(liquidatedMs - 3_600_000 + k * 150),
    })),
    marginRatios: [
      { at: iso(liquidatedMs - 60_000), ratio: '0.93' },
      { at: iso(liquidatedMs), ratio: '1.00' },
    ],
  };
}

const statement = (n: number) => ({ text: `Statement ${n}: the mark price never touched my liquidation price; the index feed lagged during the crash, see the attached log.` });

/** Item `n` of the big case: every 10th a trade log, index prices a minute apart (only item 1 within the window), mark prices, funding, statements. */
function bigCaseItem(rand: () => number, n: number, liquidatedMs: number): { kind: string; content: Record<string, unknown>; by: 'engine' | 'customer' } {
  switch (n % 10) {
    case 0:
      return { kind: 'trade_log', content: tradeLog(rand, n, liquidatedMs), by: 'engine' };
    case 1:
      return { kind: 'index_price', content: { indexPrice: randomPrice(rand), at: iso(liquidatedMs + Math.floor(n / 10) * 60_000), source: 'index-v3' }, by: 'engine' };
    case 2:
    case 3:
      return { kind: 'mark_price', content: { markPrice: randomPrice(rand), at: iso(liquidatedMs - n * 1_000), source: 'mark-v2' }, by: 'engine' };
    case 4:
      return { kind: 'funding', content: { rate: `-0.000${digits(rand, 4)}`, at: iso(liquidatedMs - n * 60_000), payment: `0.${digits(rand, 8)}` }, by: 'engine' };
    default:
      return { kind: 'statement', content: statement(n), by: 'customer' };
  }
}

// ---------------------------------------------------------------------------------------------
// Part 1: in memory.

const events = (result: DisputeEvent | readonly DisputeEvent[]): readonly DisputeEvent[] => (Array.isArray(result) ? result : [result as DisputeEvent]);
const decide = (command: DisputeCommand, state: DisputeState) => events(disputeDecider.decide(command, state));

function openedCase(ticketId: string, liquidationPrice: string, liquidatedAt: string, now: string): DisputeState {
  const opened = decide({ type: 'OpenDispute', data: { ticketId, customerId: CUSTOMER.id, position: POSITION, liquidationPrice, liquidatedAt, rules: RULES, now, by: CUSTOMER } }, initialDisputeState());
  return opened.reduce(evolveDispute, initialDisputeState());
}

/** Runs `step` over and over for LOOP_MS after a warm-up of `warm` calls; answers calls/s and µs a call. */
function loop(warm: number, step: (k: number) => void): { calls: number; perSecond: number; micros: number } {
  for (let k = 0; k < warm; k++) step(k);
  let calls = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < LOOP_MS) {
    for (let k = 0; k < 200; k++) step(calls++);
    elapsed = performance.now() - started;
  }
  return { calls, perSecond: (calls / elapsed) * 1000, micros: (elapsed * 1000) / calls };
}

function inMemory(): void {
  const rand = seededRandom(20_261_207);
  const pairs = Array.from({ length: 10_000 }, () => {
    const liquidation = randomPrice(rand);
    return [liquidation, indexNear(rand, liquidation)] as const;
  });
  let within = 0;
  let checked = 0;
  const deviation = loop(pairs.length, (k) => {
    const [liquidation, index] = pairs[k % pairs.length];
    if (deviationOf(liquidation, index, TOLERANCE).withinTolerance) within++;
    checked++;
  });
  // For scale only: the same comparison in binary floating point (which the context never uses).
  let floatWithin = 0;
  const float = loop(pairs.length, (k) => {
    const [liquidation, index] = pairs[k % pairs.length];
    const l = Number(liquidation);
    const i = Number(index);
    if (Math.abs(l - i) / i <= 0.005) floatWithin++;
  });

  // The decider: SubmitEvidence of an exchange-side index price for the liquidation time → EvidenceSubmitted + DeviationAssessed.
  const liquidatedMs = Date.parse('2026-12-07T09:30:00.250Z');
  const liquidatedAt = iso(liquidatedMs);
  const now = '2026-12-07T10:00:00.000Z';
  const commands = pairs.slice(0, 2_000).map(([, index], k) => ({
    type: 'SubmitEvidence' as const,
    data: { kind: 'index_price', content: { indexPrice: index, at: iso(liquidatedMs + (k % 900)), source: 'index-v3' }, rules: RULES, now, by: ENGINE },
  }));
  const fresh = openedCase('0190f5a2-0000-7000-8000-000000000001', pairs[0][0], liquidatedAt, now);
  let assessed = 0;
  const decideFresh = loop(commands.length, (k) => {
    if (decide(commands[k % commands.length], fresh).length === 2) assessed++;
  });
  // The same against a case that already holds 1,000 items (part 3's mix; the decider scans them).
  let big = openedCase('0190f5a2-0000-7000-8000-000000000002', pairs[0][0], liquidatedAt, now);
  const itemRand = seededRandom(77);
  for (let n = 2; n < BIG_CASE_ITEMS + 2; n++) {
    // From item 2: item 1 (the only index price in the window) left out, so every command below is assessed.
    const item = bigCaseItem(itemRand, n, liquidatedMs);
    const submitted = decide({ type: 'SubmitEvidence', data: { kind: item.kind, content: item.content, rules: RULES, now, by: item.by === 'engine' ? ENGINE : CUSTOMER } }, big);
    big = submitted.reduce(evolveDispute, big);
  }
  let assessedBig = 0;
  const decideBig = loop(200, (k) => {
    if (decide(commands[k % commands.length], big).length === 2) assessedBig++;
  });

  log('');
  log(
    `disputes bench, part 1, in memory: deviationOf(liquidation, index, "${TOLERANCE}") over ${fixed(pairs.length)} random price pairs (1–5 integer digits, 18 decimals; ` +
      `index within ±1% of the liquidation price), decimal.js (precision 80), ${LOOP_MS / 1000} s per row after a warm-up; the decider's SubmitEvidence (index_price for the liquidation time, ` +
      'exchange side) → EvidenceSubmitted + DeviationAssessed, content hash (SHA-256 over RFC 8785 JSON) included',
  );
  log(`${'figure'.padEnd(64)} ${'calls/s'.padStart(11)} ${'µs/call'.padStart(9)} ${'calls'.padStart(11)}`);
  const row = (name: string, result: { calls: number; perSecond: number; micros: number }) =>
    log(`${name.padEnd(64)} ${fixed(result.perSecond).padStart(11)} ${fixed(result.micros, 2).padStart(9)} ${fixed(result.calls).padStart(11)}`);
  row('deviationOf (exact, decimal.js)', deviation);
  row('  for scale: |l − i| / i ≤ 0.005 in floats (not used)', float);
  row('decider SubmitEvidence → assessment, case with no items', decideFresh);
  row(`  the same, case already holding ${fixed(big.items.length)} items`, decideBig);
  log(
    `checks: ${fixed((within / checked) * 100, 1)}% of the pairs within tolerance (floats: ${fixed((floatWithin / float.calls) * 100, 1)}%); ` +
      `decisions with an assessment: ${fixed(assessed)} of ${fixed(decideFresh.calls + commands.length)} (no items), ${fixed(assessedBig)} of ${fixed(decideBig.calls + 200)} (${fixed(big.items.length)} items)`,
  );
  log(`summary: deviationOf ${fixed(deviation.perSecond)} calls/s (${fixed(deviation.micros, 2)} µs); SubmitEvidence → assessment ${fixed(decideFresh.perSecond)} decisions/s in memory (${fixed(decideBig.perSecond)}/s on a 1,000-item case)`);
}

// ---------------------------------------------------------------------------------------------
// HTTP helpers.

type Reply = { status: number; body: unknown; text: string; ms: number };

async function call(baseUrl: string, method: string, path: string, token: string, body?: unknown): Promise<Reply> {
  const started = performance.now();
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const ms = performance.now() - started;
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: kept as text
  }
  return { status: response.status, body: parsed, text, ms };
}

/** `count` tasks, `concurrency` at a time (a new one starts as soon as one ends). */
async function pool(count: number, concurrency: number, task: (n: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

type Step = { name: string; count: number; ok: number; wallMs: number; latencies: number[]; failures: string[]; bytes: number };

/** One kind of request for every `n` in [0, count), IN_FLIGHT at a time; latencies of the 2xx answers. */
async function step(name: string, count: number, request: (n: number) => Promise<Reply>, check: (reply: Reply, n: number) => void = () => undefined): Promise<Step> {
  const result: Step = { name, count, ok: 0, wallMs: 0, latencies: [], failures: [], bytes: 0 };
  const started = performance.now();
  await pool(count, IN_FLIGHT, async (n) => {
    const reply = await request(n);
    if (reply.status >= 200 && reply.status < 300) {
      result.ok++;
      result.latencies.push(reply.ms);
      result.bytes += reply.text.length;
      check(reply, n);
    } else if (result.failures.length < 3) result.failures.push(`${reply.status} ${reply.text.slice(0, 300)}`);
  });
  result.wallMs = performance.now() - started;
  result.latencies.sort((a, b) => a - b);
  return result;
}

const STEP_HEADER = `${'step'.padEnd(52)} ${'ok'.padStart(9)} ${'wall s'.padStart(7)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(8)} ${'answer KB'.padStart(10)}`;
function stepRow(result: Step): void {
  log(
    `${result.name.padEnd(52)} ${`${fixed(result.ok)}/${fixed(result.count)}`.padStart(9)} ${fixed(result.wallMs / 1000, 2).padStart(7)} ${fixed((result.ok / result.wallMs) * 1000).padStart(8)} ` +
      `${fixed(percentile(result.latencies, 50), 1).padStart(8)} ${fixed(percentile(result.latencies, 99), 1).padStart(8)} ${fixed(result.latencies[result.latencies.length - 1], 1).padStart(8)} ` +
      `${fixed(result.ok > 0 ? result.bytes / result.ok / 1024 : NaN, 1).padStart(10)}`,
  );
  for (const failure of result.failures) log(`  failed: ${failure}`);
}

type Server = Readonly<{ baseUrl: string; dataDir: string }>;

/**
 * Opens `count` web-form tickets as `customerToken` (IN_FLIGHT at a time), then waits until the
 * dispute-parties read model (read.db, dispute_tickets) knows every one of them.
 */
async function openTickets(server: Server, customerToken: string, customerId: string, count: number, text: string): Promise<{ ids: string[]; opened: Step; knownAfterMs: number }> {
  const ids: string[] = new Array(count);
  const opened = await step(
    'open ticket (POST /v1/tickets, web form)',
    count,
    (n) => call(server.baseUrl, 'POST', '/v1/tickets', customerToken, { channel: 'web_form', subject: `Ticket ${n}`, body: text, webForm: { formId: 'futures-help' } }),
    (reply, n) => (ids[n] = (reply.body as { id: string }).id),
  );
  const waitStarted = performance.now();
  const db = new Database(join(server.dataDir, 'read.db'), { readonly: true });
  try {
    const known = db.prepare('SELECT count(*) AS n FROM dispute_tickets WHERE customer_id = ?');
    while ((known.get(customerId) as { n: number }).n < opened.ok) {
      if (performance.now() - waitStarted > 120_000) throw new Error(`dispute-parties did not learn ${opened.ok} tickets of ${customerId} within 120 s`);
      await sleep(10);
    }
  } finally {
    db.close();
  }
  return { ids: ids.filter((id) => id !== undefined), opened, knownAfterMs: performance.now() - waitStarted };
}

// ---------------------------------------------------------------------------------------------
// Part 2: disputes and evidence over HTTP.

type Assessment = { deviation: string; tolerance: string; withinTolerance: boolean; indexPrice: string; liquidationPrice: string; evidenceIds: string[] };
type DisputeReply = { ticketId: string; status: string; assessment: Assessment | null; items: { evidenceId: string; kind: string }[] };

type DisputeRound = Readonly<{
  opened: Step;
  knownAfterMs: number;
  disputes: Step;
  evidence: readonly [Step, Step, Step];
  logBytes: number;
  assessments: Readonly<{ carried: number; within: number; mismatched: number; sample: Assessment | undefined }>;
}>;

/** `count` tickets of `customerId` opened and waited for, a dispute on each, then trade_log, index_price and statement evidence, one kind at a time. */
async function disputeRound(server: Server, customerId: string, count: number, seed: number): Promise<DisputeRound> {
  const customer = mintToken(server.dataDir, 'customer', customerId);
  const engine = mintToken(server.dataDir, 'service', 'trading-engine');
  const rand = seededRandom(seed);
  const { ids, opened, knownAfterMs } = await openTickets(server, customer, customerId, count, 'I was liquidated this morning and I do not think the liquidation price was right.');
  const liquidatedMs = Date.now() - 3_600_000;
  const liquidatedAt = iso(liquidatedMs);
  const liquidation = ids.map(() => randomPrice(rand));
  const index = liquidation.map((price) => indexNear(rand, price));
  const logs = ids.map((_, n) => tradeLog(rand, n, liquidatedMs));
  const logBytes = logs.reduce((total, content) => total + JSON.stringify({ kind: 'trade_log', content }).length, 0) / logs.length;

  const disputes = await step('open dispute (POST /v1/disputes/{id})', ids.length, (n) =>
    call(server.baseUrl, 'POST', `/v1/disputes/${ids[n]}`, customer, { position: POSITION, liquidationPrice: liquidation[n], liquidatedAt }),
  );
  const logged = await step(`trade_log, ${FILLS_PER_LOG} fills (trading system)`, ids.length, (n) =>
    call(server.baseUrl, 'POST', `/v1/disputes/${ids[n]}/evidence`, engine, { kind: 'trade_log', content: logs[n] }),
  );
  const assessments: { carried: number; within: number; mismatched: number; sample: Assessment | undefined } = { carried: 0, within: 0, mismatched: 0, sample: undefined };
  const indexed = await step(
    'index_price at the liquidation time (trading system)',
    ids.length,
    (n) => call(server.baseUrl, 'POST', `/v1/disputes/${ids[n]}/evidence`, engine, { kind: 'index_price', content: { indexPrice: index[n], at: liquidatedAt, source: 'index-v3' } }),
    (reply, n) => {
      const assessment = (reply.body as DisputeReply).assessment;
      if (assessment === null) return;
      assessments.carried++;
      assessments.sample ??= assessment;
      const expected = deviationOf(liquidation[n], index[n], TOLERANCE);
      if (assessment.deviation !== expected.deviation || assessment.withinTolerance !== expected.withinTolerance) assessments.mismatched++;
      if (assessment.withinTolerance) assessments.within++;
    },
  );
  const stated = await step('statement (customer)', ids.length, (n) => call(server.baseUrl, 'POST', `/v1/disputes/${ids[n]}/evidence`, customer, { kind: 'statement', content: statement(n) }));
  return { opened, knownAfterMs, disputes, evidence: [logged, indexed, stated], logBytes, assessments };
}

/** Cases opened by the warm-up round (unmeasured): the JIT and the caches of every path part 2 takes. */
const WARM_UP_DISPUTES = 48;

async function disputesOverHttp(server: Server): Promise<void> {
  const started = performance.now();
  await disputeRound(server, 'bench-warm-up', WARM_UP_DISPUTES, 99);
  const warmUpMs = performance.now() - started;
  const { opened, knownAfterMs, disputes, evidence, logBytes, assessments } = await disputeRound(server, 'bench-disputes', DISPUTES, 4_242);
  const [logged, indexed, stated] = evidence;
  const evidenceOk = evidence.reduce((total, result) => total + result.ok, 0);
  const evidenceMs = evidence.reduce((total, result) => total + result.wallMs, 0);
  const allLatencies = sortedCopy(evidence.flatMap((result) => result.latencies));
  const sample = assessments.sample;

  log('');
  log(
    `disputes bench, part 2, over HTTP: \`ticketing start\` (every context, embedded SQLite, \`npm start\`'s node flags), ${fixed(DISPUTES)} tickets opened by one customer, ` +
      `waited for in the dispute-parties read model, then one dispute each and three evidence items each (one kind at a time over all disputes), ${IN_FLIGHT} requests in flight, ` +
      `load generator (fetch) on the same machine, after an unmeasured round of ${WARM_UP_DISPUTES} (${fixed(warmUpMs / 1000, 1)} s); rate limits raised: TICKETING_RATE_LIMIT_CUSTOMER_WRITES=1000000/s ` +
      `${Object.entries(LIMITS).map(([name, value]) => `${name}=${value}`).join(' ')}; ${load()}`,
  );
  log(STEP_HEADER);
  stepRow(opened);
  log(`${'  until dispute-parties knows all of them'.padEnd(52)} ${fixed(knownAfterMs, 0).padStart(9)} ms after the last answer`);
  stepRow(disputes);
  for (const result of evidence) stepRow(result);
  log(
    `evidence, all three kinds: ${fixed(evidenceOk)} items in ${fixed(evidenceMs / 1000, 2)} s = ${fixed((evidenceOk / evidenceMs) * 1000)} items/s, p50 ${fixed(percentile(allLatencies, 50), 1)} ms, ` +
      `p99 ${fixed(percentile(allLatencies, 99), 1)} ms; trade_log request body ${fixed(logBytes / 1024, 1)} KB; every answer is the whole case (the items so far)`,
  );
  log(
    `assessment in the index_price answers: ${fixed(assessments.carried)} of ${fixed(indexed.ok)} carry one, ${fixed(assessments.within)} within tolerance, ` +
      `${fixed(assessments.mismatched)} differ from deviationOf computed here; e.g. ` +
      (sample === undefined
        ? '—'
        : JSON.stringify({ deviation: sample.deviation, tolerance: sample.tolerance, withinTolerance: sample.withinTolerance, indexPrice: sample.indexPrice, liquidationPrice: sample.liquidationPrice })),
  );
  log(
    `summary: ${fixed((evidenceOk / evidenceMs) * 1000)} evidence items/s over HTTP (${IN_FLIGHT} in flight; p99 trade_log ${fixed(percentile(logged.latencies, 99), 1)} / index_price ${fixed(percentile(indexed.latencies, 99), 1)} / ` +
      `statement ${fixed(percentile(stated.latencies, 99), 1)} ms); dispute-parties knew every ticket ${fixed(knownAfterMs)} ms after the last was opened; part 2 took ${fixed((performance.now() - started) / 1000, 1)} s`,
  );
}

// ---------------------------------------------------------------------------------------------
// Part 3: one case with 1,000 items, its bundle.

type BundleJson = { items: unknown[]; streams: { streamName: string; events: unknown[] }[] };

async function bigCaseBundle(server: Server): Promise<void> {
  const customerId = 'bench-big-case';
  const customer = mintToken(server.dataDir, 'customer', customerId);
  const engine = mintToken(server.dataDir, 'service', 'trading-engine');
  const auditor = mintToken(server.dataDir, 'auditor', 'bench-auditor');
  const rand = seededRandom(1_000);
  const { ids } = await openTickets(server, customer, customerId, 1, 'One long liquidation dispute.');
  const ticketId = ids[0];
  const liquidatedMs = Date.now() - 3_600_000;
  const opened = await call(server.baseUrl, 'POST', `/v1/disputes/${ticketId}`, customer, { position: POSITION, liquidationPrice: randomPrice(rand), liquidatedAt: iso(liquidatedMs) });
  if (opened.status !== 201) throw new Error(`open dispute: ${opened.status} ${opened.text.slice(0, 300)}`);

  // Seeding, one item at a time (one stream: concurrent submissions would only race): each request folds the stream and answers the whole case.
  const submitMs: number[] = [];
  const seedStarted = performance.now();
  let answerBytes = 0;
  for (let n = 1; n <= BIG_CASE_ITEMS; n++) {
    const item = bigCaseItem(rand, n, liquidatedMs);
    const reply = await call(server.baseUrl, 'POST', `/v1/disputes/${ticketId}/evidence`, item.by === 'engine' ? engine : customer, { kind: item.kind, content: item.content });
    if (reply.status !== 200) throw new Error(`evidence ${n} (${item.kind}): ${reply.status} ${reply.text.slice(0, 300)}`);
    submitMs.push(reply.ms);
    answerBytes = reply.text.length;
  }
  const seedMs = performance.now() - seedStarted;
  const firstHundred = sortedCopy(submitMs.slice(0, 100));
  const lastHundred = sortedCopy(submitMs.slice(-100));

  // GET /bundle, BUNDLE_EXPORTS times (the first one unmeasured).
  await call(server.baseUrl, 'GET', `/v1/disputes/${ticketId}/bundle`, auditor);
  const exportMs: number[] = [];
  let text = '';
  for (let k = 0; k < BUNDLE_EXPORTS; k++) {
    const reply = await call(server.baseUrl, 'GET', `/v1/disputes/${ticketId}/bundle`, auditor);
    if (reply.status !== 200) throw new Error(`GET bundle: ${reply.status} ${reply.text.slice(0, 300)}`);
    exportMs.push(reply.ms);
    text = reply.text;
  }
  exportMs.sort((a, b) => a - b);
  const bundle = JSON.parse(text) as BundleJson;
  const bytes = Buffer.byteLength(text, 'utf8');
  const pretty = `${JSON.stringify(bundle, null, 2)}\n`;
  const prettyBytes = Buffer.byteLength(pretty, 'utf8');
  const chainEvents = bundle.streams.reduce((total, stream) => total + stream.events.length, 0);
  const key = (await call(server.baseUrl, 'GET', '/v1/disputes/signing-key', auditor)).body as { keyId: string; publicKeyPem: string };
  const publicKey = publicKeyFromPem(key.publicKeyPem);

  // Offline verification in this process: on the parsed bundle, and from the file's text (parse included).
  const first = verifyEvidenceBundle(bundle, publicKey);
  if (!first.valid) throw new Error(`the exported bundle does not verify: ${first.problem}`);
  const verifyMs: number[] = [];
  for (let k = 0; k < VERIFY_RUNS; k++) {
    const fresh = JSON.parse(text) as unknown;
    const started = performance.now();
    verifyEvidenceBundle(fresh, publicKey);
    verifyMs.push(performance.now() - started);
  }
  verifyMs.sort((a, b) => a - b);
  const textMs: number[] = [];
  for (let k = 0; k < VERIFY_RUNS; k++) {
    const started = performance.now();
    verifyEvidenceBundleText(pretty, publicKey);
    textMs.push(performance.now() - started);
  }
  textMs.sort((a, b) => a - b);

  // The CLI once, as an auditor runs it, and its start-up alone for scale.
  const dir = mkdtempSync(join(tmpdir(), 'disputes-bench-bundle-'));
  let cli = { ms: NaN, valid: false, startMs: NaN };
  try {
    const file = join(dir, 'bundle.json');
    const keyFile = join(dir, 'public.pem');
    writeFileSync(file, pretty);
    writeFileSync(keyFile, key.publicKeyPem);
    const env = { PATH: process.env.PATH };
    const cliStarted = performance.now();
    const out = execFileSync(process.execPath, [join(ROOT, 'bin/ticketing.js'), 'audit', 'verify-bundle', file, '--public-key', keyFile], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const ms = performance.now() - cliStarted;
    const startStarted = performance.now();
    execFileSync(process.execPath, [join(ROOT, 'bin/ticketing.js'), 'audit', '--help'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    cli = { ms, valid: (JSON.parse(out.toString()) as { valid: boolean }).valid, startMs: performance.now() - startStarted };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  log('');
  log(
    `disputes bench, part 3, one case with ${fixed(BIG_CASE_ITEMS)} evidence items (every 10th a trade log of ${FILLS_PER_LOG} fills; index prices a minute apart, one in the window; ` +
      `mark prices, funding, customer statements), submitted one at a time over HTTP; its signed bundle exported ${BUNDLE_EXPORTS} times by an auditor (GET /v1/disputes/{id}/bundle), ` +
      `verified offline here (verifyEvidenceBundle, Ed25519 + hash chains + every item's SHA-256) and once with the CLI; ${load()}`,
  );
  log(`${'figure'.padEnd(64)} ${'value'.padStart(40)}`);
  const row = (name: string, value: string) => log(`${name.padEnd(64)} ${value.padStart(40)}`);
  row('seeding: evidence submitted (sequential, one stream)', `${fixed(BIG_CASE_ITEMS)} in ${fixed(seedMs / 1000, 1)} s, ${fixed((BIG_CASE_ITEMS / seedMs) * 1000)}/s`);
  row('  latency, items 1–100: p50 / p99', `${fixed(percentile(firstHundred, 50), 1)} / ${fixed(percentile(firstHundred, 99), 1)} ms`);
  row(`  latency, items ${fixed(BIG_CASE_ITEMS - 99)}–${fixed(BIG_CASE_ITEMS)}: p50 / p99`, `${fixed(percentile(lastHundred, 50), 1)} / ${fixed(percentile(lastHundred, 99), 1)} ms`);
  row('  last answer (the whole case)', mb(answerBytes));
  row('bundle: items / streams / events in the chains', `${fixed(bundle.items.length)} / ${fixed(bundle.streams.length)} / ${fixed(chainEvents)}`);
  row('bundle size: HTTP body (compact JSON) / file (2-space JSON)', `${fixed(bytes)} B (${mb(bytes)}) / ${fixed(prettyBytes)} B (${mb(prettyBytes)})`);
  row(`GET /bundle: p50 / p99 / max of ${BUNDLE_EXPORTS} (after one unmeasured)`, `${fixed(percentile(exportMs, 50), 1)} / ${fixed(percentile(exportMs, 99), 1)} / ${fixed(exportMs[exportMs.length - 1], 1)} ms`);
  row('  throughput at p50', `${fixed(bytes / MiB / (percentile(exportMs, 50) / 1000), 1)} MB/s`);
  row(`verifyEvidenceBundle (parsed bundle): p50 / max of ${VERIFY_RUNS}`, `${fixed(percentile(verifyMs, 50), 1)} / ${fixed(verifyMs[verifyMs.length - 1], 1)} ms, ${fixed(bytes / MiB / (percentile(verifyMs, 50) / 1000), 1)} MB/s`);
  row(`verifyEvidenceBundleText (file text, JSON.parse included): p50`, `${fixed(percentile(textMs, 50), 1)} ms, ${fixed(prettyBytes / MiB / (percentile(textMs, 50) / 1000), 1)} MB/s`);
  row('`ticketing audit verify-bundle FILE --public-key KEY`, wall, once', `${fixed(cli.ms)} ms, ${cli.valid ? 'valid' : 'NOT VALID'}`);
  row('  of which the CLI starting (`ticketing audit --help`, wall)', `${fixed(cli.startMs)} ms`);
  log('notes: MB = 2^20 bytes; MB/s of verification = compact bundle bytes / time (the file form for the text row). The verification result: ' + JSON.stringify(first));
  log(
    `summary: a ${fixed(BIG_CASE_ITEMS)}-item bundle (${mb(bytes)}, ${fixed(chainEvents)} events) exports in ${fixed(percentile(exportMs, 50))} ms p50 / ${fixed(percentile(exportMs, 99))} ms p99 over HTTP, ` +
      `verifies offline in ${fixed(percentile(verifyMs, 50))} ms (${fixed(bytes / MiB / (percentile(verifyMs, 50) / 1000), 1)} MB/s); the CLI takes ${fixed(cli.ms)} ms wall`,
  );
}

// ---------------------------------------------------------------------------------------------
// Part 4: recoveries over HTTP.

type RecoveryReply = { status: string; quote: { quoteId: string } | null; outcome: { kind?: string } | null };

/** `count` tickets of `customerId` opened and waited for, then each recovery step over all of them in turn. */
async function recoveryRound(server: Server, customerId: string, count: number, seed: number) {
  const customer = mintToken(server.dataDir, 'customer', customerId);
  const admin = mintToken(server.dataDir, 'admin', 'bench-admin');
  const rand = seededRandom(seed);
  const { ids, opened, knownAfterMs } = await openTickets(server, customer, customerId, count, 'I sent ETH on BSC (BEP20) to my ERC20 deposit address and it never arrived.');
  const quotes: string[] = new Array(ids.length);
  const deposit = (n: number) => ({
    asset: 'ETH',
    amount: `${1 + Math.floor(rand() * 20)}.${digits(rand, 6)}`,
    txHash: `0x${digits(rand, 32).replace(/\d/g, (d) => 'abcdef0123'[Number(d)])}${String(n).padStart(32, '0')}`,
    sentNetwork: 'BEP20',
    expectedNetwork: 'ERC20',
    address: '0x9f8b1c3f6f4b1e0b2b0f7d3c1a2e4b5c6d7e8f90',
  });
  const statuses = new Map<string, number>();
  const requested = await step(
    'request (customer) → quoted',
    ids.length,
    (n) => call(server.baseUrl, 'POST', `/v1/recoveries/${ids[n]}`, customer, deposit(n)),
    (reply, n) => (quotes[n] = (reply.body as RecoveryReply).quote?.quoteId ?? ''),
  );
  const accepted = await step('accept the quote (customer)', ids.length, (n) => call(server.baseUrl, 'POST', `/v1/recoveries/${ids[n]}/accept`, customer, { quoteId: quotes[n] }));
  const tracing = await step('tracing (admin)', ids.length, (n) => call(server.baseUrl, 'POST', `/v1/recoveries/${ids[n]}/tracing`, admin));
  const outcome = await step(
    'outcome succeeded (admin)',
    ids.length,
    (n) => call(server.baseUrl, 'POST', `/v1/recoveries/${ids[n]}/outcome`, admin, { outcome: 'succeeded', creditTxHash: `0xcredit${String(n).padStart(8, '0')}` }),
    (reply) => {
      const status = (reply.body as RecoveryReply).status;
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    },
  );
  return { opened, knownAfterMs, steps: [requested, accepted, tracing, outcome] as const, statuses };
}

/** Recoveries of the warm-up round (unmeasured). */
const WARM_UP_RECOVERIES = 32;

async function recoveriesOverHttp(server: Server): Promise<void> {
  const started = performance.now();
  await recoveryRound(server, 'bench-recoveries-warm-up', WARM_UP_RECOVERIES, 7);
  const warmUpMs = performance.now() - started;
  const { opened, knownAfterMs, steps, statuses } = await recoveryRound(server, 'bench-recoveries', RECOVERIES, 5_151);
  const [requested, accepted, tracing, outcome] = steps;
  const ok = steps.reduce((total, result) => total + result.ok, 0);
  const wallMs = steps.reduce((total, result) => total + result.wallMs, 0);

  log('');
  log(
    `disputes bench, part 4, recoveries over HTTP: ${fixed(RECOVERIES)} tickets opened by one customer and waited for in dispute-parties, then for each a wrong-network deposit ` +
      `(ETH sent on BEP20 to an ERC20 address: recoverable, no conditions) requested, its quote accepted, tracing started and a successful outcome recorded; one step at a time over all tickets, ` +
      `${IN_FLIGHT} requests in flight, after an unmeasured round of ${WARM_UP_RECOVERIES} (${fixed(warmUpMs / 1000, 1)} s); ${load()}`,
  );
  log(STEP_HEADER);
  stepRow(opened);
  log(`${'  until dispute-parties knows all of them'.padEnd(52)} ${fixed(knownAfterMs, 0).padStart(9)} ms after the last answer`);
  for (const result of steps) stepRow(result);
  log(`final statuses (outcome answers): ${[...statuses.entries()].map(([status, count]) => `${status} ${fixed(count)}`).join(', ') || '—'}`);
  log(
    `summary: ${fixed((ok / wallMs) * 1000)} recovery requests/s over the four steps (p99 request ${fixed(percentile(requested.latencies, 99), 1)} / accept ${fixed(percentile(accepted.latencies, 99), 1)} / ` +
      `tracing ${fixed(percentile(tracing.latencies, 99), 1)} / outcome ${fixed(percentile(outcome.latencies, 99), 1)} ms); part 4 took ${fixed((performance.now() - started) / 1000, 1)} s`,
  );
}

// ---------------------------------------------------------------------------------------------

/** `npm run bench -- disputes`: the four parts above, under three minutes on two cores. */
export async function runDisputesBench(): Promise<void> {
  const started = performance.now();
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  log('');
  log(`disputes bench: ${availableParallelism()} cores (${cpu}), Node ${process.version}, ${load()} at the start`);
  inMemory();
  const dataDir = mkdtempSync(join(tmpdir(), 'disputes-bench-'));
  const { child, baseUrl } = await startServer(dataDir, TICKETING_START, LIMITS);
  try {
    const server: Server = { baseUrl, dataDir };
    await disputesOverHttp(server);
    await bigCaseBundle(server);
    await recoveriesOverHttp(server);
  } finally {
    child.kill('SIGTERM');
    await new Promise((done) => child.once('exit', done));
    rmSync(dataDir, { recursive: true, force: true });
  }
  log(`disputes bench: ${fixed((performance.now() - started) / 1000)} s in all, ${load()} at the end`);
}
