import fc from 'fast-check';
import type { SurgeEnded, SurgeEvent, SurgeStarted } from '@ticketing/contracts';
import { ValidationError } from '@ticketing/kernel';
import { deciderSpec } from '@ticketing/testing';
import { assessInflow, DEFAULT_SURGE_SETTINGS, minuteOf, surgeHistory, type MinuteCount, type SurgeSettings } from './inflow-baseline';
import { assessInflowCommand, decideSurge, surgeDecider, type AssessInflow, type SurgeState } from './surge.decider';

const spec = deciderSpec(surgeDecider);
const settings = DEFAULT_SURGE_SETTINGS;

const T0 = '2026-12-07T00:00:00.000Z';
const M0 = minuteOf(T0);
const atMinute = (minute: number): string => new Date(minute * 60_000).toISOString();
const START = atMinute(M0 + 400);

const assess = (data: Partial<AssessInflow['data']> = {}): AssessInflow => ({
  type: 'AssessInflow',
  data: { at: START, ratePerHour: 1800, baselinePerHour: 600, calmSinceMinute: null, peakRatePerHour: null, settings, ...data },
});

const started = (data: Partial<SurgeStarted['data']> = {}): SurgeStarted => ({
  type: 'SurgeStarted',
  schemaVersion: 1,
  data: { factor: 3, baselinePerHour: 600, ratePerHour: 1800, startedAt: START, ...data },
});

const ended = (data: Partial<SurgeEnded['data']> = {}): SurgeEnded => ({
  type: 'SurgeEnded',
  schemaVersion: 1,
  data: { baselinePerHour: 600, ratePerHour: 600, startedAt: START, endedAt: atMinute(M0 + 500), peakFactor: 6, ...data },
});

/** mulberry32: a tiny seeded PRNG, so the noisy replays are the same on every run. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Decided = Readonly<{ minute: number; event: SurgeEvent }>;

/**
 * Replays per-minute inflow (`perMinute[i]` tickets in minute M0 + i) as the watch does: after each
 * minute, assess at the start of the next one, decide and fold what was decided.
 */
function replay(perMinute: readonly number[], replaySettings: SurgeSettings = settings): Decided[] {
  const counts: MinuteCount[] = [];
  const decided: Decided[] = [];
  let state: SurgeState = surgeDecider.initialState();
  for (let i = 0; i < perMinute.length; i++) {
    if (perMinute[i] > 0) counts.push({ minute: M0 + i, count: perMinute[i] });
    const nowMinute = M0 + i + 1;
    for (const event of decideSurge(assessInflowCommand(counts, atMinute(nowMinute), replaySettings, state), state)) {
      decided.push({ minute: nowMinute, event });
      state = surgeDecider.evolve(state, event);
    }
  }
  return decided;
}

describe('assessInflow', () => {
  it('rates the whole minutes of the window before the minute in progress, per hour, missing minutes as 0', () => {
    const counts = [
      { minute: M0 + 89, count: 100 }, // before the window
      { minute: M0 + 90, count: 4 },
      { minute: M0 + 95, count: 6 },
      { minute: M0 + 100, count: 1_000 }, // the minute in progress
    ];
    expect(assessInflow(counts, M0 + 100, settings, 600).ratePerHour).toBe(60);
  });

  it('has a baseline equal to a steady inflow, computed before the window, so a jump inside the window leaves it alone', () => {
    const counts = Array.from({ length: 120 }, (_, i) => ({ minute: M0 + i, count: i >= 110 ? 50 : 10 }));
    const { ratePerHour, baselinePerHour } = assessInflow(counts, M0 + 120, settings, null);
    expect(ratePerHour).toBe(3000);
    expect(baselinePerHour).toBeCloseTo(600, 9);
  });

  it('weighs a minute one half-life old half as much as the newest', () => {
    // 20 half-lives of 10/min, then one half-life of 20/min: the newer half of the weight says 20, the older 10.
    const halfLife = 30;
    const counts = Array.from({ length: 21 * halfLife }, (_, i) => ({ minute: M0 + i, count: i >= 20 * halfLife ? 20 : 10 }));
    const { baselinePerHour } = assessInflow(counts, M0 + 21 * halfLife + 10, { ...settings, halfLifeMinutes: halfLife }, null);
    expect(baselinePerHour).toBeCloseTo(15 * 60, 2);
  });

  it('has no baseline until the minutes before the window cover the warm-up', () => {
    const counts = Array.from({ length: 200 }, (_, i) => ({ minute: M0 + i, count: 10 }));
    expect(assessInflow(counts, M0 + 69, settings, null).baselinePerHour).toBeNull();
    expect(assessInflow(counts, M0 + 70, settings, null).baselinePerHour).toBeCloseTo(600, 9);
  });

  it('returns the frozen baseline of a running surge as it is, warm-up or not', () => {
    expect(assessInflow([{ minute: M0, count: 3 }], M0 + 5, settings, 123.45)).toEqual({ ratePerHour: 18, baselinePerHour: 123.45 });
  });
});

describe('surgeHistory', () => {
  const surge = { startMinute: M0 + 100, baselinePerHour: 600 };
  const counts = (perMinute: readonly number[]) => perMinute.map((count, i) => ({ minute: M0 + 90 + i, count }));

  it('finds the run of calm minutes up to now and the peak rate since the start', () => {
    // Minutes 90..109 at 60/min, then 10/min: the window ending at 110 is the last one above 15/min.
    const history = surgeHistory(counts([...Array(20).fill(60), ...Array(20).fill(10)]), M0 + 125, settings, surge);
    // The window before minute 119 still holds one minute of 60: 150 tickets, 900/h, not below 1.5 × 600/h.
    expect(history).toEqual({ calmSinceMinute: M0 + 120, peakRatePerHour: 3600 });
  });

  it('is not calm when the minute in progress is not', () => {
    expect(surgeHistory(counts(Array(40).fill(60)), M0 + 125, settings, surge).calmSinceMinute).toBeNull();
  });

  it('never counts the start minute as calm', () => {
    expect(surgeHistory([], M0 + 103, settings, surge)).toEqual({ calmSinceMinute: M0 + 101, peakRatePerHour: 0 });
  });
});

describe('surge decider', () => {
  describe('when no surge runs', () => {
    it('starts one when the rate reaches the start factor over the baseline', () => {
      spec.given([]).when(assess()).then([started()]);
    });

    it('rounds the factor, baseline and rate to two decimals', () => {
      spec
        .given([])
        .when(assess({ ratePerHour: 2000, baselinePerHour: 600.004 }))
        .then([started({ factor: 3.33, baselinePerHour: 600, ratePerHour: 2000 })]);
    });

    it('starts none just below the factor', () => {
      spec.given([]).when(assess({ ratePerHour: 1799.99 })).thenNothingHappens();
    });

    it('starts none below the minimum rate, whatever the factor (a quiet night)', () => {
      spec.given([]).when(assess({ ratePerHour: 59, baselinePerHour: 6 })).thenNothingHappens();
    });

    it('starts none while the baseline warms up', () => {
      spec.given([]).when(assess({ ratePerHour: 100_000, baselinePerHour: null })).thenNothingHappens();
    });

    it('starts a new one after an earlier one ended', () => {
      const later = atMinute(M0 + 900);
      spec.given([started(), ended()]).when(assess({ at: later })).then([started({ startedAt: later })]);
    });

    it('refuses a malformed assessment', () => {
      spec
        .given([])
        .when(assess({ at: 'yesterday', ratePerHour: Number.NaN }))
        .thenThrows(ValidationError, (error) => expect(error.errors.map((e) => e.field)).toEqual(['at', 'ratePerHour']));
    });
  });

  describe('while a surge runs', () => {
    const calmFrom = (first: number, now: number, data: Partial<AssessInflow['data']> = {}) =>
      assess({ at: atMinute(now), ratePerHour: 600, baselinePerHour: 600, calmSinceMinute: first, peakRatePerHour: 3600, ...data });

    it('starts no second one, however high the rate', () => {
      spec.given([started()]).when(assess({ ratePerHour: 100_000 })).thenNothingHappens();
    });

    it('ends it after the cool-down of calm minutes, with the peak factor against the frozen baseline', () => {
      spec
        .given([started()])
        .when(calmFrom(M0 + 450, M0 + 464))
        .then([ended({ ratePerHour: 600, endedAt: atMinute(M0 + 464), peakFactor: 6 })]);
    });

    it('does not end it one calm minute short of the cool-down', () => {
      spec.given([started()]).when(calmFrom(M0 + 450, M0 + 463)).thenNothingHappens();
    });

    it('does not end it while the rate is not below the end factor of the frozen baseline', () => {
      spec.given([started()]).when(calmFrom(M0 + 450, M0 + 464, { ratePerHour: 900 })).thenNothingHappens();
    });

    it('measures the end against the baseline frozen at the start, not the one assessed now', () => {
      // An inflated live baseline would make 1000/h look calm; against the frozen 600/h it is not.
      spec.given([started()]).when(calmFrom(M0 + 450, M0 + 464, { ratePerHour: 1000, baselinePerHour: 2000 })).thenNothingHappens();
    });

    it('counts no calm minute from before the start', () => {
      // 15 minutes claimed calm, but only the 14 after the start minute (400) can be.
      spec.given([started()]).when(calmFrom(M0 + 390, M0 + 414)).thenNothingHappens();
      spec.given([started()]).when(calmFrom(M0 + 390, M0 + 415)).then([ended({ ratePerHour: 600, endedAt: atMinute(M0 + 415) })]);
    });

    it('keeps the starting factor as the peak when the rate never went higher', () => {
      spec
        .given([started({ factor: 4.5 })])
        .when(calmFrom(M0 + 450, M0 + 464, { peakRatePerHour: 1800 }))
        .then([ended({ ratePerHour: 600, endedAt: atMinute(M0 + 464), peakFactor: 4.5 })]);
    });

    it('ends a surge out of near silence once the rate is below the minimum rate, not only near zero', () => {
      spec
        .given([started({ factor: 6000, baselinePerHour: 0.01, ratePerHour: 60 })])
        .when(calmFrom(M0 + 450, M0 + 464, { ratePerHour: 30, peakRatePerHour: 60 }))
        .then([ended({ baselinePerHour: 0.01, ratePerHour: 30, endedAt: atMinute(M0 + 464), peakFactor: 6000 })]);
    });
  });
});

describe('surge detection replays', () => {
  const HOUR = 60;

  it('starts one surge early in a crash day’s 6× hour and ends it within half an hour after it', () => {
    const noise = prng(20261207);
    const normal = () => Math.round(10 + (noise() - 0.5) * 6); // 7..13 per minute
    const perMinute = [
      ...Array.from({ length: 6 * HOUR }, normal),
      ...Array.from({ length: HOUR }, () => 6 * normal()),
      ...Array.from({ length: 2 * HOUR }, normal),
    ];
    const crashStart = M0 + 6 * HOUR;
    const crashEnd = crashStart + HOUR;

    const decided = replay(perMinute);

    expect(decided.map((d) => d.event.type)).toEqual(['SurgeStarted', 'SurgeEnded']);
    const [start, end] = decided as [Decided & { event: SurgeStarted }, Decided & { event: SurgeEnded }];
    expect(start.minute).toBeGreaterThan(crashStart);
    expect(start.minute).toBeLessThanOrEqual(crashStart + 10);
    // It starts as the 10-minute window crosses 3×; the crash's full 6× shows as the peak.
    expect(start.event.data.factor).toBeGreaterThanOrEqual(settings.startFactor);
    expect(start.event.data.baselinePerHour).toBeGreaterThan(540);
    expect(start.event.data.baselinePerHour).toBeLessThan(660);
    expect(end.minute).toBeGreaterThan(crashEnd);
    expect(end.minute).toBeLessThanOrEqual(crashEnd + 30);
    expect(end.event.data.peakFactor).toBeGreaterThanOrEqual(4);
    expect(end.event.data.peakFactor).toBeLessThanOrEqual(7);
    expect(end.event.data).toMatchObject({ startedAt: atMinute(start.minute), baselinePerHour: start.event.data.baselinePerHour });
  });

  it('sees no surge in a normal day whose inflow swings smoothly between 5 and 15 a minute', () => {
    const perMinute = Array.from({ length: 24 * HOUR }, (_, i) => Math.round(10 - 5 * Math.cos((2 * Math.PI * i) / (24 * HOUR))));
    expect(Math.min(...perMinute)).toBe(5);
    expect(Math.max(...perMinute)).toBe(15);
    expect(replay(perMinute)).toEqual([]);
  });

  it('sees no surge in a quiet night going from 1 to 4 tickets per 10 minutes, for the minimum rate alone', () => {
    const oneIn10 = Array.from({ length: 3 * HOUR }, (_, i) => (i % 10 === 0 ? 1 : 0));
    const fourIn10 = Array.from({ length: 30 }, (_, i) => ([0, 2, 5, 7].includes(i % 10) ? 1 : 0));
    const night = [...oneIn10, ...fourIn10];
    expect(replay(night)).toEqual([]);
    // The factor alone would have called it one.
    expect(replay(night, { ...settings, minRatePerHour: 0 }).map((d) => d.event.type)).toContain('SurgeStarted');
  });

  it('detects nothing before the baseline has warmed up, and the same step once it has', () => {
    // A new installation: its first ticket at minute 0, a 6× step 30 minutes in.
    const firstHalfHour = Array.from({ length: 30 }, () => 10);
    const step = Array.from({ length: 60 }, () => 60);
    const decided = replay([...firstHalfHour, ...step]);
    // With a 10-minute window the baseline exists from minute 70, when the step is 40 minutes into its history.
    expect(decided.filter((d) => d.minute < M0 + 70)).toEqual([]);
    expect(replay([...Array.from({ length: 60 }, () => 10), ...step]).map((d) => d.event.type)).toEqual(['SurgeStarted']);
  });
});

describe('surge events (property)', () => {
  const fresh = process.env['FRESH_SEEDS'] !== undefined && process.env['FRESH_SEEDS'] !== '';
  const seed = fresh ? Math.floor(Math.random() * 2 ** 31) : 20261207;
  if (fresh) console.log(`surge property seed: ${seed}`);

  // Small windows so that short random sequences start and end surges often.
  const quick: SurgeSettings = { ...settings, windowMinutes: 5, warmupMinutes: 10, cooldownMinutes: 3, halfLifeMinutes: 20, minRatePerHour: 30 };
  const inflow = fc
    .array(fc.record({ level: fc.integer({ min: 0, max: 80 }), minutes: fc.integer({ min: 1, max: 40 }), jitter: fc.integer({ min: 0, max: 5 }) }), {
      minLength: 1,
      maxLength: 12,
    })
    .map((segments) => segments.flatMap(({ level, minutes, jitter }) => Array.from({ length: minutes }, (_, i) => Math.max(0, level + ((i * 7) % (jitter + 1)) - jitter / 2))))
    .map((minutes) => minutes.map(Math.round));

  it('alternates SurgeStarted and SurgeEnded, starting with SurgeStarted, never two of a kind in a row', () => {
    let surges = 0;
    fc.assert(
      fc.property(inflow, (perMinute) => {
        const types = replay(perMinute, quick).map((d) => d.event.type);
        types.forEach((type, i) => expect(type).toBe(i % 2 === 0 ? 'SurgeStarted' : 'SurgeEnded'));
        surges += types.filter((type) => type === 'SurgeStarted').length;
      }),
      { seed, numRuns: 200 },
    );
    // The property is only worth something if the sequences did start (and so could repeat) surges.
    expect(surges).toBeGreaterThan(20);
  });
});
