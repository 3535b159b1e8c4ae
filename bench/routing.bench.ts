import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { DateTime } from 'luxon';
import { CATEGORIES, LANGUAGES, type AgentClearance, type AgentProfile, type Category, type Channel, type Language } from '@ticketing/contracts';
import { openEventStore, type EventStore } from '@ticketing/event-store';
import { ManualClock, SystemClock, systemActor, type Clock } from '@ticketing/kernel';
import { BackgroundTasks } from '@ticketing/platform';
import { openReadStore, ProjectionRunner, type ReadStore } from '@ticketing/read-store';
import { DEFAULT_ROUTING_RULES, dispatchOrder, ineligibility, isOnShift, planAssignments, type AgentCandidate, type RoutingRules, type WaitingTicket } from '@ticketing/routing-domain';
import {
  agentCandidateOf,
  AgentCommandsService,
  AssignmentService,
  Dispatcher,
  DISPATCH_POLL_MS,
  RoutingModule,
  waitingTicketOf,
  type DispatchRound,
  type RoutingAgentTables,
} from '@ticketing/routing-feature';
import { measureIntake, mintToken, startServer, TICKETING_START } from './intake.bench';
import { seededRandom } from './kb-corpus';

/**
 * `npm run bench -- routing` (issue #13, routing to people): "500 agents and 50,000 queued tickets:
 * assignment decisions/s, p99 from queued to assigned when an agent is free, and the end-to-end
 * pipeline (open → classified → SLA started → queued → assigned) tickets/s and p99 at 50
 * connections, next to the README's intake figure."
 * 1. Dispatch at scale on SQLite (event store synchronous=FULL, read store NORMAL, as `ticketing
 *    start` opens them): (a) planAssignments alone, (b) Dispatcher.dispatchOnce until no agent has
 *    room, (c) single frees of capacity, time to the next assignment, on a ManualClock stepped by
 *    the dispatcher's poll and on the real clock.
 * 2. The whole product (`ticketing start`) under the intake bench's load with agents online.
 */

const log = (line: string) => process.stdout.write(`${line}\n`);
const percentile = (sorted: readonly number[], p: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);
const sortedCopy = (values: readonly number[]) => [...values].sort((a, b) => a - b);
const fixed = (value: number, digits = 0) => (Number.isFinite(value) ? value.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '—');
const met = (ok: boolean) => (ok ? 'MET' : 'NOT MET');
const load = () => `load average ${loadavg().map((value) => value.toFixed(2)).join(' ')}`;
const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** The issue names no number for it; the bench takes "assigned within a second of an agent being free". */
const FREE_TO_ASSIGNED_P99_TARGET_MS = 1_000;

const AGENTS = 500;
const TICKETS = 50_000;
/** Commands in flight while seeding, so their appends share the store's group commits. */
const SEED_CONCURRENCY = 100;
/** Queued times spread this far apart on the ManualClock (50,000 tickets: ~42 min). */
const SEED_STEP_MS = 50;
/** Single frees measured per clock in part 1c, each waited for before the next; capped by wall time. */
const FREES = 120;
/** Plans timed in part 1a, capped by wall time (at least one). */
const PLAN_RUNS = 3;
const PLAN_WALL_BUDGET_MS = 5_000;
/** Tickets of the slice planned with and without shifts. */
const SHIFT_SLICE = 500;
const FREES_WALL_BUDGET_MS = 25_000;
const supervisor = { kind: 'supervisor', id: 'bench-supervisor' } as const;
const routingActor = systemActor('routing');


function weighted<T>(rand: () => number, table: ReadonlyArray<readonly [T, number]>): T {
  const total = table.reduce((sum, [, weight]) => sum + weight, 0);
  let pick = rand() * total;
  for (const [value, weight] of table) {
    pick -= weight;
    if (pick < 0) return value;
  }
  return table[table.length - 1][0];
}

const LANGUAGE_MIX: ReadonlyArray<readonly [Language, number]> = [
  ['en', 40],
  ['zh', 15],
  ['ru', 10],
  ['es', 10],
  ['tr', 7],
  ['vi', 6],
  ['ko', 6],
  ['ja', 6],
];
const CATEGORY_MIX: ReadonlyArray<readonly [Category, number]> = [
  ['general_inquiry', 22],
  ['deposit_missing', 12],
  ['withdrawal_issue', 8],
  ['account_access', 10],
  ['kyc_verification', 10],
  ['trading_issue', 10],
  ['liquidation_dispute', 5],
  ['api_support', 6],
  ['wrong_network_deposit', 7],
  ['fake_token_scam', 5],
  ['security_incident', 5],
];
const CHANNEL_MIX: ReadonlyArray<readonly [Channel, number]> = [
  ['chat', 35],
  ['email', 35],
  ['web_form', 15],
  ['social', 10],
  ['api', 5],
];
const SKILL_GROUPS: readonly (readonly Category[])[] = [
  ['account_access', 'kyc_verification'],
  ['withdrawal_issue', 'deposit_missing', 'wrong_network_deposit'],
  ['trading_issue', 'liquidation_dispute'],
  ['api_support'],
  ['security_incident', 'fake_token_scam'],
];
const ZONES = ['UTC', 'Europe/Berlin', 'Asia/Seoul', 'America/New_York', 'Asia/Shanghai', 'Europe/Istanbul'] as const;
const hh = (hour: number) => `${String(((hour % 24) + 24) % 24).padStart(2, '0')}:00`;

/**
 * Agent `n`: one or two languages, general inquiries plus one or two desks, every 8th cleared for
 * security (and its skills), every 16th a supervisor, every 20th for disputes, chat 3 / email 10
 * (the rest: defaults), no shifts (always on shift).
 */
function agentProfile(n: number): AgentProfile {
  const rand = seededRandom(1_000 + n);
  const primary = weighted(rand, LANGUAGE_MIX);
  const languages: Language[] = primary !== 'en' && rand() < 0.3 ? [primary, 'en'] : [primary];
  const skills = new Set<Category>(['general_inquiry']);
  const groups = 1 + Math.floor(rand() * 2);
  for (let k = 0; k < groups; k++) for (const skill of SKILL_GROUPS[Math.floor(rand() * 4)]) skills.add(skill);
  const clearances: AgentClearance[] = [];
  if (n % 8 === 0) {
    clearances.push('security');
    for (const skill of SKILL_GROUPS[4]) skills.add(skill);
    for (const skill of SKILL_GROUPS[1]) skills.add(skill);
  }
  if (n % 16 === 3) clearances.push('supervisor');
  if (n % 20 === 7) clearances.push('disputes');
  return {
    displayName: `Agent ${n}`,
    languages,
    skills: CATEGORIES.filter((category) => skills.has(category)),
    clearances,
    capacity: { chat: 3, email: 10 },
    timeZone: null,
    shifts: [],
  };
}

/** A shift in one of 6 time zones, every day from 4 h before `around` to 5 h after it: the agent is on shift, and the dispatcher pays for checking. */
function onShiftAround(n: number, around: Date): Pick<AgentProfile, 'timeZone' | 'shifts'> {
  const timeZone = ZONES[n % ZONES.length];
  const localHour = DateTime.fromJSDate(around, { zone: timeZone }).hour;
  return { timeZone, shifts: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: hh(localHour - 4), end: hh(localHour + 5) }] };
}

type SeedTicket = Readonly<{ ticketId: string; channel: Channel; language: Language; category: Category; confidence: number; assetAmountAboveThreshold: boolean }>;

function seedTicket(n: number): SeedTicket {
  const rand = seededRandom(9_000_000 + n);
  const confident = rand() >= 0.08;
  return {
    ticketId: `0190f5a2-1313-7000-8000-${String(n).padStart(12, '0')}`,
    channel: weighted(rand, CHANNEL_MIX),
    language: weighted(rand, LANGUAGE_MIX),
    category: weighted(rand, CATEGORY_MIX),
    // 8% below the rules' minimum confidence (0.35): triage, for supervisors.
    confidence: confident ? 0.5 + rand() * 0.49 : 0.1 + rand() * 0.2,
    assetAmountAboveThreshold: rand() < 0.05,
  };
}

// ---------------------------------------------------------------------------------------------
// Part 1: dispatch at scale.

type Rig = Readonly<{
  dir: string;
  clock: ManualClock;
  eventStore: EventStore;
  readStore: ReadStore;
  runner: ProjectionRunner;
  rules: RoutingRules;
  /** Commands on the ManualClock. */
  agents: AgentCommandsService;
  assignments: AssignmentService;
  events: Database.Database;
}>;

async function caughtUp(rig: Rig): Promise<void> {
  await rig.runner.waitFor(await rig.eventStore.headPosition());
}

async function inBatches(count: number, concurrency: number, each: (n: number) => Promise<void>): Promise<void> {
  for (let first = 0; first < count; first += concurrency) {
    await Promise.all(Array.from({ length: Math.min(concurrency, count - first) }, (_, k) => each(first + k)));
  }
}

type BoardTables = RoutingAgentTables & { routing_tickets: Parameters<typeof waitingTicketOf>[0] };

/** The dispatcher's own reads and mapping (dispatcher.task.ts, dispatchOnce). */
async function readBoard(rig: Rig): Promise<{ tickets: WaitingTicket[]; agents: AgentCandidate[]; rows: number }> {
  const db = rig.readStore.db as unknown as Kysely<BoardTables>;
  const [tickets, agents] = await Promise.all([
    db.selectFrom('routing_tickets').selectAll().where('waiting', '=', 1).where('finished', '=', 0).where('queue', '!=', '').execute(),
    db.selectFrom('routing_agents').selectAll().execute(),
  ]);
  return { tickets: tickets.map(waitingTicketOf), agents: agents.map(agentCandidateOf), rows: tickets.length };
}

export async function runRoutingBench(): Promise<void> {
  log('');
  const started = performance.now();
  log(`routing bench (issue #13), ${load()} at the start`);
  await dispatchAtScale();
  await endToEnd();
  log(`routing bench: ${fixed((performance.now() - started) / 1000)} s in all, ${load()} at the end`);
}

async function dispatchAtScale(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'routing-bench-'));
  const realStart = new Date();
  // Queued times run up to the real time of the start, so shift windows placed around it hold on both clocks.
  const clock = new ManualClock(new Date(realStart.getTime() - TICKETS * SEED_STEP_MS).toISOString());
  const eventStore = await openEventStore(`sqlite:${join(dir, 'events.db')}`, { synchronous: 'FULL' });
  const readStore = await openReadStore(`sqlite:${join(dir, 'read.db')}`, { synchronous: 'NORMAL' });
  const runner = new ProjectionRunner({ readStore, eventStore, projections: RoutingModule.projections });
  const rules = DEFAULT_ROUTING_RULES;
  const agents = new AgentCommandsService(eventStore, clock);
  const assignments = new AssignmentService(eventStore, rules, agents);
  const events = new Database(join(dir, 'events.db'), { readonly: true });
  const rig: Rig = { dir, clock, eventStore, readStore, runner, rules, agents, assignments, events };
  try {
    // Seeding (measured, not a target): agents, then tickets classified and queued through the routing decider.
    const agentsStarted = performance.now();
    await inBatches(AGENTS, 50, async (n) => {
      const agentId = `agent-${String(n).padStart(3, '0')}`;
      await agents.saveProfile(agentId, agentProfile(n), supervisor);
      await agents.setAvailability(agentId, 'online', supervisor);
    });
    const agentsMs = performance.now() - agentsStarted;
    const ticketsStarted = performance.now();
    await inBatches(TICKETS, SEED_CONCURRENCY, async (n) => {
      const ticket = seedTicket(n);
      clock.advance(SEED_STEP_MS);
      await assignments.run(
        {
          type: 'ClassifyTicket',
          data: {
            ticketId: ticket.ticketId,
            channel: ticket.channel,
            language: ticket.language,
            prediction: { category: ticket.category, confidence: ticket.confidence, modelVersion: 'bench' },
            assetAmountAboveThreshold: ticket.assetAmountAboveThreshold,
            rules,
            now: clock.now().toISOString(),
          },
        },
        routingActor,
      );
    });
    const ticketsMs = performance.now() - ticketsStarted;
    const seeded = await eventStore.headPosition();
    const projectStarted = performance.now();
    await runner.start();
    await caughtUp(rig);
    const projectMs = performance.now() - projectStarted;
    const profiles = Array.from({ length: AGENTS }, (_, n) => agentProfile(n));
    const capacity = profiles.reduce(
      (total, profile) => total + (Object.keys(rules.dispatch.capacityDefaults) as Channel[]).reduce((sum, channel) => sum + (profile.capacity[channel] ?? rules.dispatch.capacityDefaults[channel]), 0),
      0,
    );

    log('');
    log(
      `routing bench, part 1, dispatch at scale: ${fixed(AGENTS)} agents online (1–2 languages, general inquiries + 1–2 desks, every 8th security-cleared, every 16th a supervisor; ` +
        `chat 3, email 10, the other channels the defaults; no shifts), ${fixed(TICKETS)} tickets classified and queued through the routing decider ` +
        `(AssignmentService.run, ClassifyTicket; 8 languages, 11 categories, 5 channels, 8% low confidence → triage); SQLite event store synchronous=FULL + read store NORMAL, ` +
        `routing-board and routing-agents projections; ManualClock for the decisions, store commit times from the wall clock`,
    );
    const row = (name: string, value: string) => log(`${name.padEnd(62)} ${value.padStart(30)}`);
    row('agents created and online (2 appends each, 50 in flight)', `${fixed(agentsMs / 1000, 1)} s`);
    row(`tickets classified + queued (1 append each, ${SEED_CONCURRENCY} in flight)`, `${fixed(ticketsMs / 1000, 1)} s, ${fixed((TICKETS / ticketsMs) * 1000)}/s`);
    row('events in the store', fixed(seeded));
    row('projections catch-up (routing-board + routing-agents)', `${fixed(projectMs / 1000, 1)} s, ${fixed((seeded / projectMs) * 1000)} ev/s`);
    row('total agent capacity (all channels)', fixed(capacity));

    // (a) planAssignments alone.
    const readStarted = performance.now();
    const board = await readBoard(rig);
    const readMs = performance.now() - readStarted;
    const at = clock.now();
    const sortStarted = performance.now();
    [...board.tickets].sort(dispatchOrder);
    const sortMs = performance.now() - sortStarted;
    const planTimes: number[] = [];
    let plan: ReturnType<typeof planAssignments> = [];
    const planBudget = performance.now() + PLAN_WALL_BUDGET_MS;
    for (let k = 0; k < PLAN_RUNS && (k === 0 || performance.now() < planBudget); k++) {
      const started = performance.now();
      plan = planAssignments(board.tickets, board.agents, rules.dispatch, at, false);
      planTimes.push(performance.now() - started);
    }
    const planMs = sortedCopy(planTimes);
    const medianPlan = percentile(planMs, 50);
    // Shifts: the same agents, half of them on a shift in a time zone (on shift now), over a slice of the waiting tickets.
    const slice = board.tickets.slice(0, SHIFT_SLICE);
    const onShifts = board.agents.map((agent, n) => (n % 2 === 1 ? { ...agent, profile: { ...agent.profile, ...onShiftAround(n, at) } } : agent));
    const timed = <T>(work: () => T): { value: T; ms: number } => {
      const started = performance.now();
      const value = work();
      return { value, ms: performance.now() - started };
    };
    const sliceBare = timed(() => planAssignments(slice, board.agents, rules.dispatch, at, false));
    const sliceShifts = timed(() => planAssignments(slice, onShifts, rules.dispatch, at, false));
    const shiftProfile = onShifts[1].profile;
    const shiftCalls = 20_000;
    const shiftCheck = timed(() => {
      let on = 0;
      for (let k = 0; k < shiftCalls; k++) if (isOnShift(shiftProfile, at)) on++;
      return on;
    });
    log('');
    log(`(a) planAssignments on the read models: ${fixed(board.rows)} waiting tickets × ${fixed(board.agents.length)} agents, peak mode off, ${planTimes.length} run(s); ${load()} after:`);
    row('read + map the rows as dispatchOnce does (not in the plan)', `${fixed(readMs)} ms`);
    row('ms per plan (p50 / max)', `${fixed(medianPlan)} / ${fixed(planMs[planMs.length - 1])} ms`);
    row('  of which sorting the tickets (dispatchOrder)', `${fixed(sortMs)} ms`);
    row('assignments planned per plan', fixed(plan.length));
    row('assignment decisions/s (planned assignments / plan time)', fixed((plan.length / medianPlan) * 1000));
    row('tickets weighed/s (waiting tickets / plan time)', fixed((board.rows / medianPlan) * 1000));
    row(`${fixed(slice.length)} of the tickets × the same agents, no shifts`, `${fixed(sliceBare.ms)} ms, ${fixed(sliceBare.value.length)} planned`);
    row('  the same, half the agents on shifts (6 time zones)', `${fixed(sliceShifts.ms)} ms, ${fixed(sliceShifts.value.length)} planned`);
    row('isOnShift alone (luxon, a time-zoned shift)', `${fixed((shiftCheck.ms * 1000) / shiftCalls, 1)} µs a call`);

    // (b) dispatchOnce end to end until no agent has room.
    const dispatcher = new Dispatcher(readStore, clock, rules, assignments, new BackgroundTasks(), agents);
    const rounds: Array<DispatchRound & { wallMs: number }> = [];
    const dispatchStarted = performance.now();
    let lostAfter = 0;
    for (let round = 0; round < 20; round++) {
      const started = performance.now();
      const result = await dispatcher.dispatchOnce();
      rounds.push({ ...result, wallMs: performance.now() - started });
      await caughtUp(rig);
      if (result.planned === 0 || result.assigned === 0) break;
      if (round > 0) lostAfter += result.lost;
    }
    const dispatchMs = performance.now() - dispatchStarted;
    const assigned = rounds.reduce((total, round) => total + round.assigned, 0);
    const lost = rounds.reduce((total, round) => total + round.lost, 0);
    const after = await readBoard(rig);
    const withRoom = after.agents.filter((agent) => hasRoomAnywhere(agent, rules)).length;
    log('');
    log(`(b) Dispatcher.dispatchOnce() until a round assigns nothing (each assignment: AgentTicketTaken on agent-<id>, then TicketAssignedToAgent on routing-<id>, FULL); ${load()} after:`);
    log(`${'round'.padEnd(8)} ${'planned'.padStart(9)} ${'assigned'.padStart(9)} ${'lost'.padStart(6)} ${'wall s'.padStart(8)} ${'assigned/s'.padStart(11)}`);
    rounds.forEach((round, index) =>
      log(`${String(index + 1).padEnd(8)} ${fixed(round.planned).padStart(9)} ${fixed(round.assigned).padStart(9)} ${fixed(round.lost).padStart(6)} ${fixed(round.wallMs / 1000, 1).padStart(8)} ${fixed(round.wallMs > 0 ? (round.assigned / round.wallMs) * 1000 : NaN).padStart(11)}`),
    );
    row('assignments committed', `${fixed(assigned)} in ${fixed(dispatchMs / 1000, 1)} s (projections included)`);
    row('  assignments/s (2 appends each)', `${fixed((assigned / dispatchMs) * 1000)}/s, ${fixed(((2 * assigned) / dispatchMs) * 1000)} appends/s`);
    row('lost races (one dispatcher: should be 0)', `${fixed(lost)}${lostAfter > 0 ? ` (${fixed(lostAfter)} after round 1)` : ''}`);
    row('waiting tickets left', fixed(after.rows));
    row('agents with room on some channel (nothing there fits them)', fixed(withRoom));

    // (c) single frees: time from an agent being free to the next ticket assigned.
    const loadBefore = load();
    const manual = await freesOnManualClock(rig, after);
    const real = await freesOnRealClock(rig);
    log('');
    log(
      `(c) one ticket at a time resolved (FinishRouting → TicketRoutingFinished + TicketReleasedFromAgent, then DropTicket as the dispatch consumer does), ` +
        `the Dispatcher's run loop (poll ${DISPATCH_POLL_MS} ms) with ~${fixed(after.rows)} tickets waiting; free = AgentTicketDropped committed, assigned = TicketAssignedToAgent committed; ${loadBefore} before:`,
    );
    log(`${'clock'.padEnd(58)} ${'frees'.padStart(6)} ${'p50'.padStart(9)} ${'p99'.padStart(9)} ${'max'.padStart(9)} ${'missed'.padStart(7)}`);
    const line = (name: string, values: readonly number[], frees: number, missed: number, unit: (value: number) => string) =>
      log(`${name.padEnd(58)} ${String(frees).padStart(6)} ${unit(percentile(values, 50)).padStart(9)} ${unit(percentile(values, 99)).padStart(9)} ${unit(values[values.length - 1]).padStart(9)} ${String(missed).padStart(7)}`);
    const ms = (value: number) => `${fixed(value)} ms`;
    line('ManualClock, 250 ms steps: injected time free → assigned', manual.clockMs, manual.frees, manual.missed, ms);
    line('  wall: free committed → assigned committed', manual.wallMs, manual.frees, manual.missed, ms);
    line('  wall: one dispatch round (plan + commit), every round', manual.roundMs, manual.rounds, 0, ms);
    line('SystemClock (real time): free committed → assigned committed', real.wallMs, real.frees, real.missed, ms);
    line('  wall: one dispatch round, every round', real.roundMs, real.rounds, 0, ms);
    log(
      'notes: on the ManualClock each free waits for the projections, then the clock steps 250 ms at a time until the round assigns: the injected figure counts ' +
        'polls (250 ms by construction, 500 ms if a round missed the freed agent) and hides the round\'s own cost, since no time passes on that clock while it runs. ' +
        'The real clock is the honest figure: it adds the wait for the next poll (0–250 ms, frees spaced at random), the projection\'s lag and the round ' +
        '(reading every waiting ticket and every agent, planning, committing), and the target is judged on it. "missed": frees after which nothing was ' +
        `assigned within 10 s (nothing waiting fitted the freed agent). Frees per clock: up to ${FREES} within ${FREES_WALL_BUDGET_MS / 1000} s` +
        `${Math.min(manual.frees, real.frees) < 100 ? '; with fewer than 100 frees the p99 is the largest one seen' : ''}.`,
    );
    log('targets:');
    const p99 = percentile(real.wallMs, 99);
    log(`  (the issue names no number; the bench takes < ${FREE_TO_ASSIGNED_P99_TARGET_MS / 1000} s) p99 free → assigned, real clock: ${ms(p99)}, ${met(p99 < FREE_TO_ASSIGNED_P99_TARGET_MS)} (frees with nothing waiting that fitted the freed agent are not counted: ${real.missed})`);
    log(`  lost races with one dispatcher = 0: ${fixed(lost)}, ${met(lost === 0)}`);
  } finally {
    events.close();
    await runner.stop();
    await readStore.close();
    await eventStore.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function hasRoomAnywhere(agent: AgentCandidate, rules: RoutingRules): boolean {
  const held = Object.values(agent.held);
  return (Object.keys(rules.dispatch.capacityDefaults) as Channel[]).some(
    (channel) => held.filter((value) => value === channel).length < (agent.profile.capacity[channel] ?? rules.dispatch.capacityDefaults[channel]),
  );
}

type Free = Readonly<{ ticketId: string; agentId: string }>;

/**
 * Held tickets whose agent, once freed of it, fits a waiting ticket of the same channel: each free
 * is then followed by an assignment. Drawn at random over the agents, at most one per agent per call.
 */
function pickFrees(board: { tickets: readonly WaitingTicket[]; agents: readonly AgentCandidate[] }, rules: RoutingRules, at: Date, count: number, seed: number): Free[] {
  const rand = seededRandom(seed);
  const byChannel = new Map<Channel, WaitingTicket[]>();
  for (const ticket of board.tickets) byChannel.set(ticket.channel, [...(byChannel.get(ticket.channel) ?? []), ticket]);
  const order = [...board.agents].sort(() => rand() - 0.5);
  const frees: Free[] = [];
  for (const agent of order) {
    if (frees.length >= count) break;
    const held = Object.entries(agent.held);
    if (held.length === 0) continue;
    const [ticketId, channel] = held[Math.floor(rand() * held.length)];
    const { [ticketId]: _freed, ...rest } = agent.held;
    const freed: AgentCandidate = { ...agent, held: rest };
    if ((byChannel.get(channel) ?? []).some((ticket) => ineligibility(ticket, freed, rules.dispatch, at) === null)) frees.push({ ticketId, agentId: agent.agentId });
  }
  return frees;
}

/** Resolve the ticket as the dispatch consumer does on TicketResolved, and give the capacity back as it does on TicketReleasedFromAgent. */
async function free(assignments: AssignmentService, item: Free): Promise<void> {
  const actor = systemActor('routing-dispatch');
  await assignments.run({ type: 'FinishRouting', data: { ticketId: item.ticketId, reason: 'resolved', now: new Date().toISOString() } }, actor);
  await assignments.dropCapacity(item.agentId, item.ticketId, 'finished', actor);
}

/** Commit times of the freed agent's last AgentTicketDropped, and of the assignment it took after it (if any). */
function freeToAssigned(events: Database.Database, agentId: string): { droppedMs: number; assignedMs: number | null } {
  const dropped = events
    .prepare(`SELECT stream_revision AS revision, recorded_at AS at FROM es_events WHERE stream_name = ? AND type = 'AgentTicketDropped' ORDER BY stream_revision DESC LIMIT 1`)
    .get(`agent-${agentId}`) as { revision: number; at: string };
  const taken = events
    .prepare(`SELECT data FROM es_events WHERE stream_name = ? AND type = 'AgentTicketTaken' AND stream_revision > ? ORDER BY stream_revision LIMIT 1`)
    .get(`agent-${agentId}`, dropped.revision) as { data: string } | undefined;
  if (taken === undefined) return { droppedMs: Date.parse(dropped.at), assignedMs: null };
  const ticketId = (JSON.parse(taken.data) as { ticketId: string }).ticketId;
  const assigned = events
    .prepare(`SELECT recorded_at AS at FROM es_events WHERE stream_name = ? AND type = 'TicketAssignedToAgent' ORDER BY stream_revision DESC LIMIT 1`)
    .get(`routing-${ticketId}`) as { at: string } | undefined;
  return { droppedMs: Date.parse(dropped.at), assignedMs: assigned === undefined ? null : Date.parse(assigned.at) };
}

type FreeResults = { frees: number; missed: number; wallMs: number[]; clockMs: number[]; roundMs: number[]; rounds: number };

/** Resolves once a round of `dispatcher` assigns something (or after `timeoutMs` of wall time: false). */
function roundWatcher(dispatcher: Dispatcher, roundMs: number[]): { next(timeoutMs: number): Promise<boolean>; rounds(): number } {
  let waiter: ((assigned: boolean) => void) | null = null;
  let count = 0;
  dispatcher.reportRoundsTo((round, seconds) => {
    count++;
    roundMs.push(seconds * 1000);
    if (round.assigned > 0 && waiter) {
      const resolveWaiter = waiter;
      waiter = null;
      resolveWaiter(true);
    }
  });
  return {
    next: (timeoutMs) =>
      new Promise<boolean>((done) => {
        const timer = setTimeout(() => {
          waiter = null;
          done(false);
        }, timeoutMs);
        waiter = (assigned) => {
          clearTimeout(timer);
          done(assigned);
        };
      }),
    rounds: () => count,
  };
}

async function parked(clock: ManualClock): Promise<void> {
  while (clock.pendingSleeps === 0) await new Promise((done) => setImmediate(done));
}

async function freesOnManualClock(rig: Rig, board: { tickets: readonly WaitingTicket[]; agents: readonly AgentCandidate[] }): Promise<FreeResults> {
  const { clock } = rig;
  const dispatcher = new Dispatcher(rig.readStore, clock, rig.rules, rig.assignments, new BackgroundTasks(), rig.agents);
  const roundMs: number[] = [];
  const watcher = roundWatcher(dispatcher, roundMs);
  const controller = new AbortController();
  const loop = dispatcher.run(controller.signal);
  const results: FreeResults = { frees: 0, missed: 0, wallMs: [], clockMs: [], roundMs, rounds: 0 };
  try {
    await parked(clock);
    const frees = pickFrees(board, rig.rules, clock.now(), FREES, 7);
    const budget = performance.now() + FREES_WALL_BUDGET_MS;
    for (const item of frees) {
      if (performance.now() > budget) break;
      await free(rig.assignments, item);
      // A poll later than the projection's lag: wait for it, so the steps count polls, not catch-up.
      await caughtUp(rig);
      const assignedPromise = watcher.next(10_000);
      let assigned = false;
      let steps = 0;
      assignedPromise.then((value) => (assigned = value)).catch(() => undefined);
      while (!assigned && steps < 40) {
        clock.advance(DISPATCH_POLL_MS);
        steps++;
        await new Promise((done) => setImmediate(done));
        await parked(clock);
        await new Promise((done) => setImmediate(done));
      }
      results.frees++;
      const timing = freeToAssigned(rig.events, item.agentId);
      if (!assigned || timing.assignedMs === null) {
        results.missed++;
        continue;
      }
      results.clockMs.push(steps * DISPATCH_POLL_MS);
      results.wallMs.push(timing.assignedMs - timing.droppedMs);
      await caughtUp(rig);
    }
  } finally {
    controller.abort();
    await loop;
  }
  results.rounds = watcher.rounds();
  results.wallMs.sort((a, b) => a - b);
  results.clockMs.sort((a, b) => a - b);
  roundMs.sort((a, b) => a - b);
  return results;
}

async function freesOnRealClock(rig: Rig): Promise<FreeResults> {
  const systemClock: Clock = new SystemClock();
  const agents = new AgentCommandsService(rig.eventStore, systemClock);
  const assignments = new AssignmentService(rig.eventStore, rig.rules, agents);
  const dispatcher = new Dispatcher(rig.readStore, systemClock, rig.rules, assignments, new BackgroundTasks(), agents);
  await caughtUp(rig);
  const board = await readBoard(rig);
  const roundMs: number[] = [];
  const watcher = roundWatcher(dispatcher, roundMs);
  const controller = new AbortController();
  const results: FreeResults = { frees: 0, missed: 0, wallMs: [], clockMs: [], roundMs, rounds: 0 };
  const loop = dispatcher.run(controller.signal);
  try {
    // The first round (nothing new to assign) runs at once; the frees start after it.
    await sleep(DISPATCH_POLL_MS);
    const frees = pickFrees(board, rig.rules, new Date(), FREES, 11);
    const rand = seededRandom(13);
    const budget = performance.now() + FREES_WALL_BUDGET_MS;
    for (const item of frees) {
      if (performance.now() > budget) break;
      // At a random phase of the poll.
      await sleep(rand() * DISPATCH_POLL_MS);
      const assignedPromise = watcher.next(10_000);
      await free(assignments, item);
      const assigned = await assignedPromise;
      results.frees++;
      const timing = freeToAssigned(rig.events, item.agentId);
      if (!assigned || timing.assignedMs === null) {
        results.missed++;
        continue;
      }
      results.wallMs.push(timing.assignedMs - timing.droppedMs);
    }
  } finally {
    controller.abort();
    await loop;
  }
  results.rounds = watcher.rounds();
  results.wallMs.sort((a, b) => a - b);
  roundMs.sort((a, b) => a - b);
  return results;
}

// ---------------------------------------------------------------------------------------------
// Part 2: the whole product under the intake bench's load, with agents online.

type AutocannonResult = { requests: { total: number; average: number }; latency: { p50: number; p99: number }; non2xx: number; errors: number };
// autocannon ships no type declarations; this is the part of its API the bench uses.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (options: Record<string, unknown>) => Promise<AutocannonResult>;

const CONNECTIONS = 50;
const DURATION_SECONDS = 10;
const WARM_UP_SECONDS = 3;
/** The intake bench's English ticket. */
const TICKET = JSON.stringify({ channel: 'chat', subject: 'Withdrawal pending', body: 'My BTC withdrawal has been pending for three hours, please check', language: 'en', chat: { sessionId: 'bench' } });
/** Staff writes raised too (the intake bench raises the customer's), for the agents created before the load. */
const STAFF_WRITES = { TICKETING_RATE_LIMIT_STAFF_WRITES: '1000000/s' } as const;
/** Agents for part 2: chat 100 each (the most a profile allows), every language and skill and clearance that queues need. */
const E2E_AGENTS = 300;
/** After the load, how long routing may take to assign what it opened (the figure is read again at the end). */
const DRAIN_MAX_MS = 20_000;
/** The README's intake figure this bench prints beside its own (README.md, "Benchmarks", session 6's last run). */
const README_INTAKE_LINE = 'README (session 6, last run): English 706/s, open → classified → queued p99 45 ms; intake beside SLA: 851/s with the SLA context (sla bench)';

async function put(url: string, token: string, body: unknown): Promise<void> {
  const response = await fetch(url, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`PUT ${url}: ${response.status} ${await response.text()}`);
}

async function loadTickets(url: string, token: string, duration: number) {
  const result = await autocannon({ url, method: 'POST', connections: CONNECTIONS, duration, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: TICKET });
  return { requests: result.requests.total, perSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, failed: result.non2xx + result.errors };
}

type StageRow = { opened: string; classified: string | null; tracked: string | null; queued: string | null; assigned: string | null; queue: string | null };

function stages(eventsDb: string, from: string, to: string): StageRow[] {
  const db = new Database(eventsDb, { readonly: true });
  try {
    return db
      .prepare(
        `SELECT o.recorded_at AS opened,
                (SELECT recorded_at FROM es_events WHERE stream_name = 'routing-' || substr(o.stream_name, 8) AND type = 'TicketClassified' LIMIT 1) AS classified,
                (SELECT recorded_at FROM es_events WHERE stream_name = 'sla-' || substr(o.stream_name, 8) AND type = 'SlaTicketTracked' LIMIT 1) AS tracked,
                (SELECT recorded_at FROM es_events WHERE stream_name = 'routing-' || substr(o.stream_name, 8) AND type = 'TicketQueued' ORDER BY stream_revision LIMIT 1) AS queued,
                (SELECT json_extract(data, '$.queue') FROM es_events WHERE stream_name = 'routing-' || substr(o.stream_name, 8) AND type = 'TicketQueued' ORDER BY stream_revision LIMIT 1) AS queue,
                (SELECT recorded_at FROM es_events WHERE stream_name = 'routing-' || substr(o.stream_name, 8) AND type = 'TicketAssignedToAgent' ORDER BY stream_revision LIMIT 1) AS assigned
           FROM es_events o
          WHERE o.type = 'TicketOpened' AND o.recorded_at >= ? AND o.recorded_at < ?`,
      )
      .all(from, to) as StageRow[];
  } finally {
    db.close();
  }
}

function countAssigned(eventsDb: string, from = '', to = '\uffff'): { opened: number; assigned: number } {
  const db = new Database(eventsDb, { readonly: true });
  try {
    const count = (type: string) => (db.prepare('SELECT count(*) AS n FROM es_events WHERE type = ? AND recorded_at >= ? AND recorded_at < ?').get(type, from, to) as { n: number }).n;
    return { opened: count('TicketOpened'), assigned: count('TicketAssignedToAgent') };
  } finally {
    db.close();
  }
}

async function endToEnd(): Promise<void> {
  // The intake bench's English run as it stands on this machine now, no agents (the dispatcher finds nobody to assign to).
  const aloneLoad = load();
  const alone = await measureIntake(TICKETING_START, () => undefined);
  const dataDir = mkdtempSync(join(tmpdir(), 'routing-bench-e2e-'));
  const { child, baseUrl } = await startServer(dataDir, TICKETING_START, STAFF_WRITES);
  try {
    const admin = mintToken(dataDir, 'admin', 'bench-admin');
    const customer = mintToken(dataDir, 'customer', 'bench');
    const created = performance.now();
    await inBatches(E2E_AGENTS, 10, async (n) => {
      const agentId = `e2e-agent-${String(n).padStart(3, '0')}`;
      await put(`${baseUrl}/v1/routing/agents/${agentId}`, admin, {
        displayName: `Agent ${n}`,
        languages: [...LANGUAGES],
        skills: [...CATEGORIES],
        clearances: ['security', 'supervisor'],
        capacity: { chat: 100 },
      });
      await put(`${baseUrl}/v1/routing/agents/${agentId}/availability`, admin, { status: 'online' });
    });
    const createdMs = performance.now() - created;
    const url = `${baseUrl}/v1/tickets`;
    await loadTickets(url, customer, WARM_UP_SECONDS);
    const loadAverage = load();
    const from = new Date().toISOString();
    const result = await loadTickets(url, customer, DURATION_SECONDS);
    const to = new Date().toISOString();
    const events = join(dataDir, 'events.db');
    const atEnd = countAssigned(events);
    const duringLoad = countAssigned(events, from, to);
    const drainStarted = performance.now();
    let drained = atEnd;
    while (performance.now() - drainStarted < DRAIN_MAX_MS && drained.assigned < drained.opened) {
      await sleep(1_000);
      drained = countAssigned(events);
    }
    const drainMs = performance.now() - drainStarted;
    const rows = stages(events, from, to);
    const toMs = Date.parse(to);
    const since = (row: StageRow, value: string | null) => (value === null ? null : Date.parse(value) - Date.parse(row.opened));
    const stage = (pick: (row: StageRow) => string | null) => sortedCopy(rows.map((row) => since(row, pick(row))).filter((value): value is number => value !== null));
    const classified = stage((row) => row.classified);
    const tracked = stage((row) => row.tracked);
    const queued = stage((row) => row.queued);
    const assigned = stage((row) => row.assigned);
    const assignedInWindow = rows.filter((row) => row.assigned !== null && Date.parse(row.assigned) < toMs).length;
    const queueToAssigned = sortedCopy(rows.filter((row) => row.queued !== null && row.assigned !== null).map((row) => Date.parse(row.assigned!) - Date.parse(row.queued!)));
    const queues = new Map<string, number>();
    for (const row of rows) queues.set(row.queue ?? '(none)', (queues.get(row.queue ?? '(none)') ?? 0) + 1);

    log('');
    log(
      `routing bench, part 2, end to end: \`ticketing start\` (every context, embedded SQLite, \`npm start\`'s node flags), ${E2E_AGENTS} agents created and put online over HTTP first ` +
        `(PUT /v1/routing/agents/{id} + /availability, admin token; chat 100 each = ${fixed(E2E_AGENTS * 100)} chat tickets, every language and skill, cleared for security and supervisor (the bench's ticket is a withdrawal: an emergency, queue security-emergency); ${fixed(createdMs / 1000, 1)} s), ` +
        `then the intake bench's English load: POST /v1/tickets, ${CONNECTIONS} connections, ${DURATION_SECONDS} s after ${WARM_UP_SECONDS} s of warm-up; ` +
        `rate limits raised: TICKETING_RATE_LIMIT_CUSTOMER_WRITES=1000000/s ${Object.entries(STAFF_WRITES).map(([name, value]) => `${name}=${value}`).join(' ')}; ${loadAverage} before the measured load`,
    );
    log(`${'figure'.padEnd(58)} ${'value'.padStart(34)}`);
    const row = (name: string, value: string) => log(`${name.padEnd(58)} ${value.padStart(34)}`);
    row('tickets opened over HTTP (req/s)', `${fixed(result.perSecond)}/s, ${fixed(result.requests)} in ${DURATION_SECONDS} s`);
    row('  HTTP latency p50 / p99', `${fixed(result.p50)} / ${fixed(result.p99)} ms`);
    row('  non-2xx + errors', fixed(result.failed));
    row('tickets opened in the window (store)', fixed(rows.length));
    row('queues', [...queues.entries()].map(([queue, count]) => `${queue} ${fixed(count)}`).join(', '));
    log(`${'stage, from TicketOpened (store commit times)'.padEnd(58)} ${'tickets'.padStart(8)} ${'p50 ms'.padStart(9)} ${'p99 ms'.padStart(9)} ${'max ms'.padStart(9)}`);
    const stageRow = (name: string, values: readonly number[]) =>
      log(`${name.padEnd(58)} ${fixed(values.length).padStart(8)} ${fixed(percentile(values, 50)).padStart(9)} ${fixed(percentile(values, 99)).padStart(9)} ${fixed(values[values.length - 1]).padStart(9)}`);
    stageRow('→ classified (TicketClassified, routing-<id>)', classified);
    stageRow('→ SLA started (SlaTicketTracked, sla-<id>)', tracked);
    stageRow('→ queued (TicketQueued, routing-<id>)', queued);
    stageRow('→ assigned (TicketAssignedToAgent; those assigned by the end)', assigned);
    stageRow('queued → assigned', queueToAssigned);
    row('window tickets assigned when the load ended', `${fixed(assignedInWindow)} of ${fixed(rows.length)}`);
    row('assignments committed during the measured load', `${fixed(duringLoad.assigned)}, ${fixed(duringLoad.assigned / DURATION_SECONDS)}/s (tickets opened: ${fixed(duringLoad.opened / DURATION_SECONDS)}/s)`);
    row('all tickets (warm-up included) assigned when the load ended', `${fixed(atEnd.assigned)} of ${fixed(atEnd.opened)}`);
    row(`  ${fixed(drainMs / 1000, 1)} s later (no more load)`, `${fixed(drained.assigned)} of ${fixed(drained.opened)}, ${fixed(((drained.assigned - atEnd.assigned) / drainMs) * 1000)} assigned/s`);
    log(
      `beside it: the intake bench's English run just before (measureIntake, no agents, ${aloneLoad}): ${fixed(alone.load.perSecond)}/s, p50 ${fixed(alone.load.p50)} ms, p99 ${fixed(alone.load.p99)} ms, ` +
        `non-2xx ${fixed(alone.load.non2xx + alone.load.errors)}; ${README_INTAKE_LINE}`,
    );
    log(
      'notes: the stages are cumulative from the ticket\'s TicketOpened commit; routing appends TicketClassified and TicketQueued in one commit, SLA tracks the ticket on its own ' +
        'consumer, and the dispatcher (HTTP thread, 250 ms poll) assigns from the routing board (consumer thread). Tickets opened during the warm-up also wait for agents. ' +
        'Every agent has room throughout (capacity above every ticket opened), so queued → assigned is the issue\'s "when an agent is free" figure under load.',
    );
    const queuedP99 = percentile(queueToAssigned, 99);
    const unassigned = rows.length - queueToAssigned.length;
    log('targets:');
    log(
      `  (the issue names no number; the bench takes < ${FREE_TO_ASSIGNED_P99_TARGET_MS / 1000} s) p99 queued → assigned with agents free, under the load: ${fixed(queuedP99)} ms` +
        `${unassigned > 0 ? ` (${fixed(unassigned)} window tickets never assigned, not counted)` : ''}, ${met(queuedP99 < FREE_TO_ASSIGNED_P99_TARGET_MS && unassigned === 0)}`,
    );
  } finally {
    child.kill('SIGTERM');
    await new Promise((done) => child.once('exit', done));
    rmSync(dataDir, { recursive: true, force: true });
  }
}
