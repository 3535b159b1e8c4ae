import type { Category, Channel, Language, Priority, SlaClockEvent, SlaTarget } from '@ticketing/contracts';
import { assertNever } from '@ticketing/kernel';
import { parseTargetDuration } from './sla-policy';

/** One target's clock. Time is counted in its calendar's working time; `pausedMs` is wall-clock time spent paused. */
export type SlaClock = Readonly<{
  target: SlaTarget;
  phase: 'running' | 'paused' | 'met' | 'stopped';
  duration: string;
  durationMs: number;
  calendar: string;
  policyVersion: number;
  rule: string;
  startedAt: string;
  /** While running: since when; the working time before it is `elapsedMsBefore`. */
  runningSince: string | null;
  elapsedMsBefore: number;
  pausedSince: string | null;
  pausedMs: number;
  lastResumedAt: string | null;
  dueAt: string | null;
  warnAt: readonly string[];
  warnings: readonly Readonly<{ threshold: number; at: string }>[];
  breachedAt: string | null;
  metAt: string | null;
  stoppedAt: string | null;
}>;

export type SlaClockStreamState = Readonly<{
  ticketId: string | null;
  channel: Channel | null;
  language: Language | null;
  openedAt: string | null;
  priority: Priority | null;
  category: Category | null;
  policyVersion: number | null;
  /** When the classification last applied happened: an older one delivered late changes nothing. */
  classifiedAt: string | null;
  /** When processing started, if it did before any clock measured it (see SlaProgressNoted). */
  progressStartedAt: string | null;
  clocks: Readonly<Partial<Record<SlaTarget, SlaClock>>>;
}>;

export const initialSlaClockState = (): SlaClockStreamState => ({
  ticketId: null,
  channel: null,
  language: null,
  openedAt: null,
  priority: null,
  category: null,
  policyVersion: null,
  classifiedAt: null,
  progressStartedAt: null,
  clocks: {},
});

const msBetween = (from: string, to: string): number => Math.max(0, Date.parse(to) - Date.parse(from));

function withClock(state: SlaClockStreamState, target: SlaTarget, change: (clock: SlaClock) => SlaClock): SlaClockStreamState {
  const clock = state.clocks[target];
  if (clock === undefined) return state;
  return { ...state, clocks: { ...state.clocks, [target]: change(clock) } };
}

/** Folds one event of a `sla-<ticketId>` stream. */
export function evolveSlaClock(state: SlaClockStreamState, event: SlaClockEvent): SlaClockStreamState {
  switch (event.type) {
    case 'SlaTicketTracked':
      return { ...state, ticketId: event.data.ticketId, channel: event.data.channel, language: event.data.language, openedAt: event.data.openedAt };
    case 'SlaPolicyApplied':
      return {
        ...state,
        priority: event.data.priority,
        category: event.data.category,
        policyVersion: event.data.policyVersion,
        classifiedAt: event.data.because === 'opened' ? state.classifiedAt : event.data.appliedAt,
      };
    case 'SlaProgressNoted':
      return { ...state, progressStartedAt: state.progressStartedAt ?? event.data.startedAt };
    case 'SlaClockStarted': {
      const { target, duration, calendar, policyVersion, rule, startedAt, dueAt, warnAt } = event.data;
      const clock: SlaClock = {
        target,
        phase: 'running',
        duration,
        durationMs: durationMsOf(duration),
        calendar,
        policyVersion,
        rule,
        startedAt,
        runningSince: startedAt,
        elapsedMsBefore: 0,
        pausedSince: null,
        pausedMs: 0,
        lastResumedAt: null,
        dueAt,
        warnAt,
        warnings: [],
        breachedAt: null,
        metAt: null,
        stoppedAt: null,
      };
      return { ...state, clocks: { ...state.clocks, [target]: clock } };
    }
    case 'SlaClockRetimed':
      return withClock(state, event.data.target, (clock) => ({
        ...clock,
        duration: event.data.duration,
        durationMs: durationMsOf(event.data.duration),
        calendar: event.data.calendar,
        policyVersion: event.data.policyVersion,
        rule: event.data.rule,
        // The working time so far is kept; a running clock counts on from the retiming.
        elapsedMsBefore: event.data.elapsedSeconds * 1000,
        runningSince: clock.phase === 'running' ? event.data.retimedAt : clock.runningSince,
        dueAt: event.data.dueAt ?? clock.dueAt,
        warnAt: event.data.warnAt ?? clock.warnAt,
      }));
    case 'SlaClockPaused':
      return withClock(state, event.data.target, (clock) => ({
        ...clock,
        phase: 'paused',
        runningSince: null,
        elapsedMsBefore: event.data.elapsedSeconds * 1000,
        pausedSince: event.data.pausedAt,
        dueAt: null,
        warnAt: [],
      }));
    case 'SlaClockResumed':
      return withClock(state, event.data.target, (clock) => ({
        ...clock,
        phase: 'running',
        runningSince: event.data.resumedAt,
        pausedSince: null,
        pausedMs: clock.pausedMs + (clock.pausedSince === null ? 0 : msBetween(clock.pausedSince, event.data.resumedAt)),
        lastResumedAt: event.data.resumedAt,
        dueAt: event.data.dueAt,
        warnAt: event.data.warnAt,
      }));
    case 'SlaClockReopened':
      return withClock(state, event.data.target, (clock) => ({
        ...clock,
        phase: 'running',
        runningSince: event.data.reopenedAt,
        pausedMs: clock.pausedMs + (clock.metAt === null ? 0 : msBetween(clock.metAt, event.data.reopenedAt)),
        lastResumedAt: event.data.reopenedAt,
        metAt: null,
        dueAt: event.data.dueAt,
        warnAt: event.data.warnAt,
      }));
    case 'SlaClockMet':
      return withClock(state, event.data.target, (clock) => ({
        ...clock,
        phase: 'met',
        runningSince: null,
        elapsedMsBefore: event.data.elapsedSeconds * 1000,
        pausedMs: clock.pausedMs + (clock.pausedSince === null ? 0 : msBetween(clock.pausedSince, event.data.metAt)),
        pausedSince: null,
        metAt: event.data.metAt,
        dueAt: clock.dueAt,
        warnAt: [],
      }));
    case 'SlaClockStopped':
      return withClock(state, event.data.target, (clock) => ({
        ...clock,
        phase: 'stopped',
        runningSince: null,
        elapsedMsBefore: event.data.elapsedSeconds * 1000,
        pausedSince: null,
        stoppedAt: event.data.stoppedAt,
        warnAt: [],
      }));
    case 'SlaWarningIssued':
      return withClock(state, event.data.target, (clock) => ({ ...clock, warnings: [...clock.warnings, { threshold: event.data.threshold, at: event.data.warnedAt }] }));
    case 'SlaBreached':
      return withClock(state, event.data.target, (clock) => ({ ...clock, breachedAt: event.data.breachedAt }));
    default:
      return assertNever(event);
  }
}

const DURATION_MS = new Map<string, number>();

/** Durations on the stream were validated when their policy was accepted; a policy has few, and every fold re-reads them. */
function durationMsOf(duration: string): number {
  let ms = DURATION_MS.get(duration);
  if (ms === undefined) {
    const parsed = parseTargetDuration(duration);
    ms = 'ms' in parsed ? parsed.ms : 0;
    if (DURATION_MS.size < 10_000) DURATION_MS.set(duration, ms);
  }
  return ms;
}
