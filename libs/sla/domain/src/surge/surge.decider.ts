import { assertNever, ValidationError, type Command, type Decider } from '@ticketing/kernel';
import type { SurgeEnded, SurgeEvent, SurgeStarted } from '@ticketing/contracts';
import { assessInflow, endThresholdPerHour, minuteOf, surgeHistory, type MinuteCount, type SurgeSettings } from './inflow-baseline';

/**
 * The `sla-surge` stream's state, rebuilt from its events only. A running surge keeps the baseline
 * frozen at its start (what it is measured against until it ends) and its starting factor.
 */
export type SurgeState =
  | Readonly<{ inSurge: false; lastEndedAt: string | null }>
  | Readonly<{ inSurge: true; startedAt: string; baselinePerHour: number; startFactor: number }>;

/**
 * One minute's assessment of the inflow.
 *
 * Ending a surge needs `cooldownMinutes` calm minutes in a row, yet an ordinary calm minute changes
 * nothing worth an event, and the state may only be rebuilt from events. So the count is not kept
 * in the state: the command carries it, as `calmSinceMinute`, which the caller reconstructs from
 * the per-minute counts (`surgeHistory`) — the counts are the history. `decide` stays pure, the
 * stream holds only SurgeStarted/SurgeEnded, and minutes nobody assessed (a restart) still count.
 */
export type AssessInflow = Command<
  'AssessInflow',
  {
    /** The assessment instant; its minute is the one in progress (`assessInflow`'s `nowMinute`). */
    at: string;
    ratePerHour: number;
    /** The baseline the rate was assessed against; null while warming up. Ignored during a surge (the frozen one counts). */
    baselinePerHour: number | null;
    /** Start of the current run of calm minutes of a running surge, null when the latest minute is not calm or no surge runs. */
    calmSinceMinute: number | null;
    /** The highest rate since the running surge started, null when none runs; makes SurgeEnded's `peakFactor`. */
    peakRatePerHour: number | null;
    settings: SurgeSettings;
  }
>;

export type SurgeCommand = AssessInflow;

export const SURGE_SCHEMA_VERSION = 1;

export const initialSurgeState = (): SurgeState => ({ inSurge: false, lastEndedAt: null });

export function evolveSurge(_state: SurgeState, event: SurgeEvent): SurgeState {
  switch (event.type) {
    case 'SurgeStarted':
      return { inSurge: true, startedAt: event.data.startedAt, baselinePerHour: event.data.baselinePerHour, startFactor: event.data.factor };
    case 'SurgeEnded':
      return { inSurge: false, lastEndedAt: event.data.endedAt };
    default:
      return assertNever(event);
  }
}

const round2 = (value: number): number => Math.round(value * 100) / 100;

const isRate = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0;

function validate(command: AssessInflow): void {
  const { at, ratePerHour, baselinePerHour, calmSinceMinute, peakRatePerHour } = command.data;
  const errors: { field: string; message: string }[] = [];
  if (Number.isNaN(Date.parse(at))) errors.push({ field: 'at', message: 'must be an ISO 8601 instant' });
  if (!isRate(ratePerHour)) errors.push({ field: 'ratePerHour', message: 'must be a finite number ≥ 0' });
  if (baselinePerHour !== null && !isRate(baselinePerHour)) errors.push({ field: 'baselinePerHour', message: 'must be a finite number ≥ 0 or null' });
  if (peakRatePerHour !== null && !isRate(peakRatePerHour)) errors.push({ field: 'peakRatePerHour', message: 'must be a finite number ≥ 0 or null' });
  if (calmSinceMinute !== null && !Number.isSafeInteger(calmSinceMinute)) errors.push({ field: 'calmSinceMinute', message: 'must be an integer or null' });
  if (errors.length > 0) throw new ValidationError('Invalid inflow assessment', errors);
}

function startIfSurging(command: AssessInflow): readonly SurgeStarted[] {
  const { at, ratePerHour, baselinePerHour, settings } = command.data;
  if (baselinePerHour === null || baselinePerHour <= 0) return [];
  if (ratePerHour < settings.minRatePerHour || ratePerHour < settings.startFactor * baselinePerHour) return [];
  return [
    {
      type: 'SurgeStarted',
      schemaVersion: SURGE_SCHEMA_VERSION,
      data: { factor: round2(ratePerHour / baselinePerHour), baselinePerHour: round2(baselinePerHour), ratePerHour: round2(ratePerHour), startedAt: at },
    },
  ];
}

function endIfCalm(command: AssessInflow, state: Extract<SurgeState, { inSurge: true }>): readonly SurgeEnded[] {
  const { at, ratePerHour, calmSinceMinute, peakRatePerHour, settings } = command.data;
  if (calmSinceMinute === null || ratePerHour >= endThresholdPerHour(state.baselinePerHour, settings)) return [];
  // The start minute itself was anything but calm, whatever the caller counted.
  const calmMinutes = minuteOf(at) - Math.max(calmSinceMinute, minuteOf(state.startedAt) + 1) + 1;
  if (calmMinutes < settings.cooldownMinutes) return [];
  const peakFactor = Math.max(state.startFactor, round2((peakRatePerHour ?? 0) / state.baselinePerHour));
  return [
    {
      type: 'SurgeEnded',
      schemaVersion: SURGE_SCHEMA_VERSION,
      data: { baselinePerHour: state.baselinePerHour, ratePerHour: round2(ratePerHour), startedAt: state.startedAt, endedAt: at, peakFactor },
    },
  ];
}

/** Starts a surge, ends one, or (most minutes) decides nothing. */
export function decideSurge(command: SurgeCommand, state: SurgeState): readonly SurgeEvent[] {
  validate(command);
  return state.inSurge ? endIfCalm(command, state) : startIfSurging(command);
}

/** The write model of the `sla-surge` stream (`slaStreams.surge`). */
export const surgeDecider: Decider<SurgeState, SurgeCommand, SurgeEvent> = {
  initialState: initialSurgeState,
  evolve: evolveSurge,
  decide: decideSurge,
};

/**
 * The command for the minute of `at`, from the per-minute counts and the stream's state: the rate
 * and baseline (frozen during a surge) of `assessInflow`, and for a running surge what
 * `surgeHistory` reconstructs from the counts since it started.
 */
export function assessInflowCommand(counts: readonly MinuteCount[], at: string, settings: SurgeSettings, state: SurgeState): AssessInflow {
  const nowMinute = minuteOf(at);
  const { ratePerHour, baselinePerHour } = assessInflow(counts, nowMinute, settings, state.inSurge ? state.baselinePerHour : null);
  const history = state.inSurge
    ? surgeHistory(counts, nowMinute, settings, { startMinute: minuteOf(state.startedAt), baselinePerHour: state.baselinePerHour })
    : { calmSinceMinute: null, peakRatePerHour: null };
  return { type: 'AssessInflow', data: { at, ratePerHour, baselinePerHour, ...history, settings } };
}
