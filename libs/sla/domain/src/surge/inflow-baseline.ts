/** Tickets opened in one minute; `minute` counts whole minutes since the Unix epoch. */
export type MinuteCount = Readonly<{ minute: number; count: number }>;

/**
 * When inflow counts as a surge ("peak mode"). The baseline is a trailing EWMA of the per-minute
 * inflow rather than the same hour of past weeks: it works from the first hours of a new
 * installation, needs no weeks of history, and follows a slow trend (a market waking up) while a
 * crash's step of 5–6× within minutes still stands out against it.
 */
export type SurgeSettings = Readonly<{
  /** A surge starts when the rate reaches this multiple of the baseline. */
  startFactor: number;
  /** A surge ends once the rate stays below this multiple of the baseline frozen at its start. */
  endFactor: number;
  /** No surge below this rate, whatever the factor: a quiet night's 1 → 4 tickets is none. */
  minRatePerHour: number;
  /** The rate is the inflow of this many whole minutes, scaled to an hour. */
  windowMinutes: number;
  /** Half-life of the baseline's weights: a minute this old counts half as much as the newest. */
  halfLifeMinutes: number;
  /** Minutes of history the baseline needs before any surge can be detected. */
  warmupMinutes: number;
  /** Consecutive calm minutes (see `endThresholdPerHour`) that end a surge. */
  cooldownMinutes: number;
}>;

export const DEFAULT_SURGE_SETTINGS: SurgeSettings = Object.freeze({
  startFactor: 3,
  endFactor: 1.5,
  minRatePerHour: 60,
  windowMinutes: 10,
  halfLifeMinutes: 120,
  warmupMinutes: 60,
  cooldownMinutes: 15,
});

/** Rate and baseline at one minute, both per hour; the baseline is null while it is warming up. */
export type InflowAssessment = Readonly<{ ratePerHour: number; baselinePerHour: number | null }>;

/** The epoch minute an instant falls in. */
export const minuteOf = (at: Date | string | number): number => Math.floor(new Date(at).getTime() / 60_000);

const countsByMinute = (counts: readonly MinuteCount[]): Map<number, number> => {
  const byMinute = new Map<number, number>();
  for (const { minute, count } of counts) byMinute.set(minute, (byMinute.get(minute) ?? 0) + count);
  return byMinute;
};

/** Tickets in the window that ends just before `nowMinute`, per hour. */
const rateAt = (byMinute: ReadonlyMap<number, number>, nowMinute: number, windowMinutes: number): number => {
  let sum = 0;
  for (let minute = nowMinute - windowMinutes; minute < nowMinute; minute++) sum += byMinute.get(minute) ?? 0;
  return (sum * 60) / windowMinutes;
};

/**
 * Rate and baseline as of `nowMinute`, the minute in progress (not counted: it is incomplete).
 *
 * - rate: the inflow of the `windowMinutes` whole minutes before `nowMinute`, per hour;
 * - baseline: an exponentially weighted mean of the per-minute inflow from the first minute with a
 *   ticket up to the start of that window, per hour; null until it covers `warmupMinutes`. While a
 *   surge lasts the caller passes the baseline frozen at its start, which is returned as is, so the
 *   surge never raises the bar it is measured against.
 *
 * Minutes without a row count as 0; rows at or after `nowMinute` are ignored.
 */
export function assessInflow(
  counts: readonly MinuteCount[],
  nowMinute: number,
  settings: SurgeSettings,
  frozenBaselinePerHour: number | null,
): InflowAssessment {
  const byMinute = countsByMinute(counts);
  const ratePerHour = rateAt(byMinute, nowMinute, settings.windowMinutes);
  if (frozenBaselinePerHour !== null) return { ratePerHour, baselinePerHour: frozenBaselinePerHour };

  const windowStart = nowMinute - settings.windowMinutes;
  let firstMinute = Infinity;
  for (const { minute, count } of counts) if (count > 0 && minute < firstMinute) firstMinute = minute;
  if (windowStart - firstMinute < settings.warmupMinutes) return { ratePerHour, baselinePerHour: null };

  // Normalised weights (weighted sum over sum of weights): no start-up bias towards an arbitrary first value.
  const decay = 2 ** (-1 / settings.halfLifeMinutes);
  let weightedSum = 0;
  let weights = 0;
  for (let minute = firstMinute; minute < windowStart; minute++) {
    weightedSum = weightedSum * decay + (byMinute.get(minute) ?? 0);
    weights = weights * decay + 1;
  }
  return { ratePerHour, baselinePerHour: (weightedSum / weights) * 60 };
}

/**
 * Below this rate a minute of a surge is calm. Normally `endFactor` × the frozen baseline; never
 * below `minRatePerHour`, because a rate that could not start a surge must not keep one going (a
 * surge out of near silence would otherwise only end after a long stretch of no tickets at all).
 */
export const endThresholdPerHour = (frozenBaselinePerHour: number, settings: SurgeSettings): number =>
  Math.max(settings.endFactor * frozenBaselinePerHour, settings.minRatePerHour);

/** What a running surge's decisions need from the minutes since it started. */
export type SurgeHistory = Readonly<{
  /**
   * The first minute of the run of calm minutes that ends at `nowMinute` (each minute assessed as
   * `assessInflow` would at it); null when `nowMinute` itself is not calm. Never the start minute.
   */
  calmSinceMinute: number | null;
  /** The highest rate assessed from the surge's start minute to `nowMinute`. */
  peakRatePerHour: number;
}>;

/**
 * Reconstructs, from the counts alone, what the assessments since a surge started saw. The counts
 * are the history: nothing has to be remembered between assessments, and minutes no process
 * assessed (a restart, a deploy) count as they were.
 */
export function surgeHistory(
  counts: readonly MinuteCount[],
  nowMinute: number,
  settings: SurgeSettings,
  surge: Readonly<{ startMinute: number; baselinePerHour: number }>,
): SurgeHistory {
  const byMinute = countsByMinute(counts);
  const threshold = endThresholdPerHour(surge.baselinePerHour, settings);
  let peakRatePerHour = 0;
  let calmSinceMinute: number | null = null;
  let calmRunOpen = true;
  for (let minute = nowMinute; minute >= surge.startMinute; minute--) {
    const rate = rateAt(byMinute, minute, settings.windowMinutes);
    peakRatePerHour = Math.max(peakRatePerHour, rate);
    if (calmRunOpen && minute > surge.startMinute && rate < threshold) calmSinceMinute = minute;
    else calmRunOpen = false;
  }
  return { calmSinceMinute, peakRatePerHour };
}
