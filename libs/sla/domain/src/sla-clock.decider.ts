import {
  PRIORITIES,
  SLA_TARGETS,
  type Category,
  type Channel,
  type Language,
  type Priority,
  type SlaClockEvent,
  type SlaPolicyApplied,
  type SlaSchedule,
  type SlaTarget,
} from '@ticketing/contracts';
import { assertNever, IllegalStateError, type Command, type Decider } from '@ticketing/kernel';
import type { SlaCalendar } from './calendar/sla-calendar';
import { evolveSlaClock, initialSlaClockState, type SlaClock, type SlaClockStreamState } from './sla-clock.state';
import type { CompiledPolicy, ResolvedTarget, SlaPolicyHistory } from './sla-policy';

export const SLA_CLOCK_SCHEMA_VERSION = 1;
/** Warnings at 75% and 90% of a target unless configured otherwise. */
export const DEFAULT_WARNING_THRESHOLDS: readonly number[] = [0.75, 0.9];
/** The queue a breached emergency or first response escalates to (routing acts on it). */
export const SUPERVISOR_QUEUE = 'supervisor';

/** What decisions depend on besides the stream: every policy version and the warning thresholds. */
export type SlaEnvironment = Readonly<{ policies: SlaPolicyHistory; warningThresholds: readonly number[] }>;

type Fact<Type extends string, Data extends object = object> = Command<Type, Readonly<{ ticketId: string; at: string; env: SlaEnvironment }> & Data>;

export type TrackTicket = Fact<'TrackTicket', { channel: Channel; language: Language }>;
/** `category` null: a priority change alone (an escalation), the category stays. */
export type ApplyClassification = Fact<'ApplyClassification', { priority: Priority; category: Category | null; because: 'classified' | 'recategorized' | 'priority_changed' }>;
export type NoteFirstResponse = Fact<'NoteFirstResponse'>;
export type NoteAgentReply = Fact<'NoteAgentReply'>;
export type NoteCustomerMessage = Fact<'NoteCustomerMessage'>;
export type NoteWaitingOnCustomer = Fact<'NoteWaitingOnCustomer'>;
export type NoteProgressStarted = Fact<'NoteProgressStarted'>;
export type NoteResolved = Fact<'NoteResolved', { selfServed: boolean }>;
export type NoteReopened = Fact<'NoteReopened'>;
export type NoteClosed = Fact<'NoteClosed', { reason: 'closed' | 'merged' }>;
/** The timer: issue the warnings and breaches due at `at` (now). */
export type CheckDeadlines = Fact<'CheckDeadlines'>;

export type SlaClockCommand =
  | TrackTicket
  | ApplyClassification
  | NoteFirstResponse
  | NoteAgentReply
  | NoteCustomerMessage
  | NoteWaitingOnCustomer
  | NoteProgressStarted
  | NoteResolved
  | NoteReopened
  | NoteClosed
  | CheckDeadlines;

/** The clocks a ticket opening starts; `nextResponse` starts with each customer message after a reply. */
const STARTED_ON_OPEN: readonly SlaTarget[] = ['firstResponse', 'processingStart', 'resolution'];

const event = <E extends SlaClockEvent>(type: E['type'], data: E['data']): E => ({ type, schemaVersion: SLA_CLOCK_SCHEMA_VERSION, data }) as E;
const seconds = (ms: number): number => Math.round(ms) / 1000;
const isLive = (clock: SlaClock | undefined): clock is SlaClock => clock !== undefined && (clock.phase === 'running' || clock.phase === 'paused');
const notBefore = (at: string, since: string | null): boolean => since === null || Date.parse(at) >= Date.parse(since);

/** The policy version a ticket's clocks follow: the one last applied to it. */
function policyOf(state: SlaClockStreamState, env: SlaEnvironment, at: string): CompiledPolicy {
  return env.policies.versions.find((version) => version.version === state.policyVersion) ?? env.policies.at(at);
}

function calendarOf(env: SlaEnvironment, state: SlaClockStreamState, at: string, name: string): SlaCalendar {
  return policyOf(state, env, at).calendar(name);
}

/** Working time a clock has run by `at`. */
export function elapsedMsOf(clock: SlaClock, at: string, calendar: SlaCalendar): number {
  if (clock.phase !== 'running' || clock.runningSince === null) return clock.elapsedMsBefore;
  return clock.elapsedMsBefore + calendar.workingMsBetween(new Date(clock.runningSince), new Date(at));
}

/** When a clock running since `since` with `elapsedMs` already counted is due, and when its pending warnings fall. */
function scheduleOf(since: string, elapsedMs: number, durationMs: number, calendar: SlaCalendar, thresholds: readonly number[], warned: readonly number[]): SlaSchedule {
  const from = new Date(since);
  const at = (ms: number) => calendar.addWorkingMs(from, Math.max(0, ms - elapsedMs)).toISOString();
  return {
    dueAt: at(durationMs),
    warnAt: thresholds.filter((threshold) => !warned.includes(threshold) && threshold * durationMs > elapsedMs).map((threshold) => at(threshold * durationMs)),
  };
}

function escalationOf(target: SlaTarget, priority: Priority | null): { toPriority: Priority; toQueue: string } | null {
  if (target !== 'firstResponse' && target !== 'processingStart' && priority !== 'emergency') return null;
  const index = PRIORITIES.indexOf(priority ?? 'normal');
  return { toPriority: PRIORITIES[Math.min(index + 1, PRIORITIES.length - 1)]!, toQueue: SUPERVISOR_QUEUE };
}

function breach(state: SlaClockStreamState, clock: SlaClock, at: string): SlaClockEvent {
  return event('SlaBreached', {
    ticketId: state.ticketId!,
    target: clock.target,
    policyVersion: clock.policyVersion,
    rule: clock.rule,
    duration: clock.duration,
    dueAt: clock.dueAt ?? at,
    breachedAt: at,
    channel: state.channel!,
    priority: state.priority,
    category: state.category,
    escalation: escalationOf(clock.target, state.priority),
  });
}

/** Meets a live clock; one met past its target without a breach yet (the timer was late or down) is breached first, so every miss is breached exactly once. */
function meet(state: SlaClockStreamState, env: SlaEnvironment, clock: SlaClock, at: string): SlaClockEvent[] {
  const elapsed = elapsedMsOf(clock, at, calendarOf(env, state, at, clock.calendar));
  const late = elapsed > clock.durationMs;
  return [
    ...(late && clock.breachedAt === null ? [breach(state, clock, at)] : []),
    event('SlaClockMet', { ticketId: state.ticketId!, target: clock.target, metAt: at, elapsedSeconds: seconds(elapsed), withinTarget: !late && clock.breachedAt === null }),
  ];
}

function stop(state: SlaClockStreamState, env: SlaEnvironment, clock: SlaClock, at: string, reason: 'closed' | 'merged' | 'self_served' | 'resolved' | 'target_removed'): SlaClockEvent {
  const elapsed = elapsedMsOf(clock, at, calendarOf(env, state, at, clock.calendar));
  return event('SlaClockStopped', { ticketId: state.ticketId!, target: clock.target, reason, stoppedAt: at, elapsedSeconds: seconds(elapsed) });
}

function start(state: SlaClockStreamState, env: SlaEnvironment, policy: CompiledPolicy, target: ResolvedTarget, startedAt: string): SlaClockEvent {
  const schedule = scheduleOf(startedAt, 0, target.durationMs, policy.calendar(target.calendar), env.warningThresholds, []);
  return event('SlaClockStarted', {
    ticketId: state.ticketId!,
    target: target.target,
    duration: target.duration,
    calendar: target.calendar,
    policyVersion: policy.version,
    rule: target.rule,
    startedAt,
    ...schedule,
  });
}

function resumeAll(state: SlaClockStreamState, env: SlaEnvironment, at: string): SlaClockEvent[] {
  return Object.values(state.clocks)
    .filter((clock) => clock.phase === 'paused' && notBefore(at, clock.pausedSince))
    .map((clock) => {
      const calendar = calendarOf(env, state, at, clock.calendar);
      const warned = clock.warnings.map((warning) => warning.threshold);
      return event('SlaClockResumed', { ticketId: state.ticketId!, target: clock.target, resumedAt: at, ...scheduleOf(at, clock.elapsedMsBefore, clock.durationMs, calendar, env.warningThresholds, warned) });
    });
}

/**
 * Starts, from the opening, a clock a later policy choice adds; what already happened to the ticket
 * applies to it at once: processing that already started meets it, a wait that is on pauses it.
 */
function startLate(state: SlaClockStreamState, env: SlaEnvironment, policy: CompiledPolicy, chosen: ResolvedTarget, at: string): SlaClockEvent[] {
  const started = start(state, env, policy, chosen, state.openedAt!);
  const withClock = evolveSlaClock(state, started);
  const clock = withClock.clocks[chosen.target]!;
  if (chosen.target === 'processingStart' && state.progressStartedAt !== null) return [started, ...meet(withClock, env, clock, state.progressStartedAt)];
  const waiting = Object.values(state.clocks).some((other) => other.phase === 'paused');
  if (!waiting) return [started];
  const elapsed = elapsedMsOf(clock, at, policy.calendar(chosen.calendar));
  return [started, event('SlaClockPaused', { ticketId: state.ticketId!, target: chosen.target, pausedAt: at, elapsedSeconds: seconds(elapsed) })];
}

function applyPolicy(state: SlaClockStreamState, command: ApplyClassification | TrackTicket, policy: CompiledPolicy, because: SlaPolicyApplied['data']['because']): SlaClockEvent[] {
  const { env, at } = command.data;
  const priority = command.type === 'ApplyClassification' ? command.data.priority : null;
  const category = command.type === 'ApplyClassification' ? (command.data.category ?? state.category) : null;
  const targets = policy.targetsFor({ channel: state.channel!, language: state.language!, priority, category, tier: null });
  const events: SlaClockEvent[] = [
    event('SlaPolicyApplied', {
      ticketId: state.ticketId!,
      policyVersion: policy.version,
      because,
      priority,
      category,
      targets: targets.map(({ target, rule, duration, calendar }) => ({ target, rule, duration, calendar })),
      appliedAt: at,
    }),
  ];
  // Resolved (met) or closed/merged (stopped): a classification arriving after that starts nothing.
  const resolved = state.clocks.resolution !== undefined && !isLive(state.clocks.resolution);
  for (const target of SLA_TARGETS) {
    const chosen = targets.find((candidate) => candidate.target === target);
    const clock = state.clocks[target];
    if (isLive(clock)) {
      if (chosen === undefined) events.push(stop(state, env, clock, at, 'target_removed'));
      else if (chosen.duration !== clock.duration || chosen.calendar !== clock.calendar || chosen.rule !== clock.rule || policy.version !== clock.policyVersion) {
        const calendar = policy.calendar(chosen.calendar);
        const warned = clock.warnings.map((warning) => warning.threshold);
        // A classification delivered late (older than the clock's last resume) retimes from the resume: counting from it would count the gap twice.
        const retimedAt = clock.runningSince !== null && !notBefore(at, clock.runningSince) ? clock.runningSince : at;
        const elapsed = elapsedMsOf(clock, retimedAt, calendarOf(env, state, at, clock.calendar));
        events.push(
          event('SlaClockRetimed', {
            ticketId: state.ticketId!,
            target,
            duration: chosen.duration,
            calendar: chosen.calendar,
            policyVersion: policy.version,
            rule: chosen.rule,
            retimedAt,
            elapsedSeconds: seconds(elapsed),
            ...(clock.phase === 'running' ? scheduleOf(retimedAt, elapsed, chosen.durationMs, calendar, env.warningThresholds, warned) : {}),
          }),
        );
      }
    } else if (clock === undefined && chosen !== undefined && STARTED_ON_OPEN.includes(target) && !resolved) {
      // A target the new choice adds (an emergency's processing start) counts from the opening, like the others.
      events.push(...startLate(state, env, policy, chosen, at));
    }
  }
  return events;
}

function decide(command: SlaClockCommand, state: SlaClockStreamState): SlaClockEvent[] {
  const { env, at } = command.data;
  if (command.type === 'TrackTicket') {
    if (state.ticketId !== null) return [];
    const tracked: SlaClockStreamState = { ...state, ticketId: command.data.ticketId, channel: command.data.channel, language: command.data.language, openedAt: at };
    const policy = env.policies.at(at);
    const applied = applyPolicy(tracked, command, policy, 'opened');
    return [event('SlaTicketTracked', { ticketId: command.data.ticketId, channel: command.data.channel, language: command.data.language, openedAt: at }), ...applied];
  }
  if (state.ticketId === null) {
    if (command.type === 'CheckDeadlines') return [];
    // Another context's event overtook the ticket's opening (different topics): the bus delivers it again later.
    throw new IllegalStateError('untracked', command.type, `SLA does not track ticket ${command.data.ticketId} yet: its TicketOpened has not arrived`);
  }
  const { clocks } = state;
  switch (command.type) {
    case 'ApplyClassification': {
      if (state.classifiedAt !== null && Date.parse(at) < Date.parse(state.classifiedAt)) return [];
      const policy = env.policies.at(at);
      const same = state.classifiedAt !== null && state.priority === command.data.priority && state.category === (command.data.category ?? state.category) && state.policyVersion === policy.version;
      return same ? [] : applyPolicy(state, command, policy, command.data.because);
    }
    case 'NoteFirstResponse':
      return isLive(clocks.firstResponse) ? meet(state, env, clocks.firstResponse, at) : [];
    case 'NoteAgentReply': {
      const next = clocks.nextResponse;
      return isLive(next) && notBefore(at, next.startedAt) ? meet(state, env, next, at) : [];
    }
    case 'NoteCustomerMessage': {
      const events = resumeAll(state, env, at);
      const first = clocks.firstResponse;
      const next = clocks.nextResponse;
      const answeredAt = next?.metAt ?? next?.stoppedAt ?? first?.metAt ?? null;
      const awaitingReply = first === undefined || isLive(first) || isLive(next) || answeredAt === null || Date.parse(at) <= Date.parse(answeredAt);
      if (!awaitingReply) {
        const policy = policyOf(state, env, at);
        const chosen = policy
          .targetsFor({ channel: state.channel!, language: state.language!, priority: state.priority, category: state.category, tier: null })
          .find((candidate) => candidate.target === 'nextResponse');
        if (chosen !== undefined) events.push(start(state, env, policy, chosen, at));
      }
      return events;
    }
    case 'NoteWaitingOnCustomer':
      return Object.values(clocks)
        .filter((clock) => clock.phase === 'running' && notBefore(at, clock.lastResumedAt ?? clock.startedAt))
        .map((clock) => event('SlaClockPaused', { ticketId: state.ticketId!, target: clock.target, pausedAt: at, elapsedSeconds: seconds(elapsedMsOf(clock, at, calendarOf(env, state, at, clock.calendar))) }));
    case 'NoteProgressStarted': {
      const processing = clocks.processingStart;
      // Remembered where no clock measures it yet: a classification arriving later (another topic) may add the target.
      const noted = processing === undefined && state.progressStartedAt === null ? [event('SlaProgressNoted', { ticketId: state.ticketId!, startedAt: at })] : [];
      const met = isLive(processing) && notBefore(at, processing.startedAt) ? meet(state, env, processing, at) : noted;
      // Left out, not set to undefined: resumeAll walks Object.values(clocks).
      const { processingStart: _met, ...others } = clocks;
      return [...met, ...resumeAll({ ...state, clocks: others }, env, at)];
    }
    case 'NoteResolved': {
      const events: SlaClockEvent[] = [];
      for (const clock of Object.values(clocks)) {
        // An old resolution delivered again must not end a clock that was reopened or started after it.
        if (!isLive(clock) || !notBefore(at, clock.lastResumedAt ?? clock.startedAt)) continue;
        if (clock.target === 'resolution' || clock.target === 'processingStart') events.push(...meet(state, env, clock, at));
        else events.push(stop(state, env, clock, at, command.data.selfServed ? 'self_served' : 'resolved'));
      }
      return events;
    }
    case 'NoteReopened': {
      const resolution = clocks.resolution;
      if (resolution?.phase !== 'met' || !notBefore(at, resolution.metAt)) return [];
      const calendar = calendarOf(env, state, at, resolution.calendar);
      const warned = resolution.warnings.map((warning) => warning.threshold);
      return [event('SlaClockReopened', { ticketId: state.ticketId!, target: 'resolution', reopenedAt: at, ...scheduleOf(at, resolution.elapsedMsBefore, resolution.durationMs, calendar, env.warningThresholds, warned) })];
    }
    case 'NoteClosed':
      return Object.values(clocks)
        .filter((clock) => isLive(clock) && notBefore(at, clock.lastResumedAt ?? clock.startedAt))
        .map((clock) => stop(state, env, clock, at, command.data.reason));
    case 'CheckDeadlines': {
      const events: SlaClockEvent[] = [];
      for (const clock of Object.values(clocks)) {
        if (clock.phase !== 'running' || clock.breachedAt !== null) continue;
        const elapsed = elapsedMsOf(clock, at, calendarOf(env, state, at, clock.calendar));
        if (elapsed >= clock.durationMs) {
          events.push(breach(state, clock, at));
          continue;
        }
        const warned = clock.warnings.map((warning) => warning.threshold);
        for (const threshold of [...env.warningThresholds].sort((a, b) => a - b)) {
          if (warned.includes(threshold) || elapsed < threshold * clock.durationMs) continue;
          events.push(
            event('SlaWarningIssued', { ticketId: state.ticketId!, target: clock.target, threshold, dueAt: clock.dueAt ?? at, remainingSeconds: seconds(clock.durationMs - elapsed), warnedAt: at }),
          );
        }
      }
      return events;
    }
    default:
      return assertNever(command);
  }
}

/** The clocks of one ticket (`sla-<ticketId>`): every fact from intake and routing is idempotent and tolerates arriving late. */
export const slaClockDecider: Decider<SlaClockStreamState, SlaClockCommand, SlaClockEvent> = {
  initialState: initialSlaClockState,
  evolve: evolveSlaClock,
  decide,
};

/** A clock as the API shows it at `at`. */
export type SlaClockView = Readonly<{
  target: SlaTarget;
  duration: string;
  policyVersion: number;
  rule: string;
  calendar: string;
  state: 'running' | 'paused' | 'met' | 'breached' | 'stopped';
  startedAt: string;
  dueAt: string | null;
  elapsedSeconds: number;
  pausedSeconds: number;
  remainingSeconds: number;
  warnedAt?: string;
  breachedAt?: string;
  metAt?: string;
  stoppedAt?: string;
}>;

/** Every clock of a ticket as it stands at `at`, in target order. */
export function viewClocks(state: SlaClockStreamState, env: SlaEnvironment, at: string): SlaClockView[] {
  return SLA_TARGETS.flatMap((target) => {
    const clock = state.clocks[target];
    if (clock === undefined) return [];
    const elapsed = elapsedMsOf(clock, at, calendarOf(env, state, at, clock.calendar));
    const pausedMs = clock.pausedMs + (clock.pausedSince === null ? 0 : Math.max(0, Date.parse(at) - Date.parse(clock.pausedSince)));
    const lastWarning = clock.warnings[clock.warnings.length - 1];
    const view: SlaClockView = {
      target,
      duration: clock.duration,
      policyVersion: clock.policyVersion,
      rule: clock.rule,
      calendar: clock.calendar,
      state: clock.phase === 'met' || clock.phase === 'stopped' ? (clock.breachedAt !== null && clock.phase === 'met' ? 'breached' : clock.phase) : clock.breachedAt !== null ? 'breached' : clock.phase,
      startedAt: clock.startedAt,
      dueAt: clock.dueAt,
      elapsedSeconds: Math.floor(elapsed / 1000),
      pausedSeconds: Math.floor(pausedMs / 1000),
      remainingSeconds: Math.max(0, Math.ceil((clock.durationMs - elapsed) / 1000)),
      ...(lastWarning ? { warnedAt: lastWarning.at } : {}),
      ...(clock.breachedAt ? { breachedAt: clock.breachedAt } : {}),
      ...(clock.metAt ? { metAt: clock.metAt } : {}),
      ...(clock.stoppedAt ? { stoppedAt: clock.stoppedAt } : {}),
    };
    return [view];
  });
}
