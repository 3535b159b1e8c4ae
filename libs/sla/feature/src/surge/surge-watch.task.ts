import { Inject, Injectable, Logger, Optional, type OnModuleInit } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { slaStreams } from '@ticketing/contracts';
import { EVENT_STORE, handleCommand, readStreamState, type EventStore } from '@ticketing/event-store';
import { CLOCK, deterministicId, systemActor, type Clock } from '@ticketing/kernel';
import { BackgroundTasks, ConfigError, type ConfigProblem } from '@ticketing/platform';
import { READ_STORE, type ReadStore } from '@ticketing/read-store';
import {
  assessInflow,
  assessInflowCommand,
  DEFAULT_SURGE_SETTINGS,
  minuteOf,
  surgeDecider,
  type MinuteCount,
  type SurgeSettings,
  type SurgeState,
} from '@ticketing/sla-domain';
import { readInflowSince, type SlaInflowTables } from './sla-inflow.projection';

/** What ops see of surge detection now. */
export type SurgeStatus = Readonly<{
  inSurge: boolean;
  /** When the running surge started; absent when none runs. */
  since?: string;
  /** The current rate over the baseline (the frozen one during a surge), two decimals; absent while the baseline warms up. */
  factor?: number;
  /** Per hour, two decimals: the baseline frozen at the start of a running surge, else the trailing one; null while warming up. */
  baselinePerHour: number | null;
  /** Tickets opened in the last `windowMinutes` whole minutes, per hour, two decimals. */
  ratePerHour: number;
}>;

/** Overrides the settings `surgeSettingsFromEnv()` would give (tests, or a module that reads them elsewhere). */
export const SURGE_SETTINGS = Symbol('SurgeSettings');

export const SURGE_TASK_NAME = 'sla-surge-watch';

/** How far back the inflow is read: at the default half-life of 2 hours, older minutes weigh nothing measurable. */
const HISTORY_MINUTES = 7 * 24 * 60;
const MINUTE_MS = 60_000;
const surgeActor = systemActor('sla-surge');

const ENV = {
  startFactor: 'TICKETING_SLA_SURGE_FACTOR',
  endFactor: 'TICKETING_SLA_SURGE_END_FACTOR',
  minRatePerHour: 'TICKETING_SLA_SURGE_MIN_RATE_PER_HOUR',
  windowMinutes: 'TICKETING_SLA_SURGE_WINDOW_MINUTES',
  halfLifeMinutes: 'TICKETING_SLA_SURGE_HALF_LIFE_MINUTES',
} as const;

const DECIMAL = /^\d{1,9}(\.\d{1,6})?$/;
const INTEGER = /^\d{1,9}$/;

/**
 * Surge settings from the environment, the defaults (`DEFAULT_SURGE_SETTINGS`) for unset or empty
 * variables: `TICKETING_SLA_SURGE_FACTOR` (start factor, > 1), `TICKETING_SLA_SURGE_END_FACTOR`
 * (> 0 and below the start factor), `TICKETING_SLA_SURGE_MIN_RATE_PER_HOUR` (≥ 0),
 * `TICKETING_SLA_SURGE_WINDOW_MINUTES` (1–1440) and `TICKETING_SLA_SURGE_HALF_LIFE_MINUTES`
 * (1–10080). Throws a ConfigError naming every bad variable and its value.
 */
export function surgeSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): SurgeSettings {
  const problems: ConfigProblem[] = [];
  const read = (variable: string, allowed: string, fallback: number, format: RegExp, valid: (value: number) => boolean): number => {
    const raw = env[variable];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (format.test(raw) && valid(value)) return value;
    problems.push({ variable, value: raw, allowed });
    return fallback;
  };
  const defaults = DEFAULT_SURGE_SETTINGS;
  const startFactor = read(ENV.startFactor, 'a number greater than 1, at most 1000', defaults.startFactor, DECIMAL, (v) => v > 1 && v <= 1000);
  const endFactor = read(ENV.endFactor, 'a number greater than 0, at most 1000', defaults.endFactor, DECIMAL, (v) => v > 0 && v <= 1000);
  const minRatePerHour = read(ENV.minRatePerHour, 'a number of tickets per hour from 0 to 1000000', defaults.minRatePerHour, DECIMAL, (v) => v <= 1_000_000);
  const windowMinutes = read(ENV.windowMinutes, 'an integer number of minutes from 1 to 1440', defaults.windowMinutes, INTEGER, (v) => v >= 1 && v <= 1440);
  const halfLifeMinutes = read(ENV.halfLifeMinutes, 'an integer number of minutes from 1 to 10080', defaults.halfLifeMinutes, INTEGER, (v) => v >= 1 && v <= 10_080);
  // Ending at or above the start factor would end a surge in the minute it started.
  if (endFactor >= startFactor && !problems.some((problem) => problem.variable === ENV.startFactor || problem.variable === ENV.endFactor)) {
    problems.push({ variable: ENV.endFactor, value: String(env[ENV.endFactor] ?? endFactor), allowed: `a number below ${ENV.startFactor} (${startFactor})` });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...defaults, startFactor, endFactor, minRatePerHour, windowMinutes, halfLifeMinutes };
}

const round2 = (value: number): number => Math.round(value * 100) / 100;

/**
 * Surge detection: once a minute (of the injected clock) it assesses the inflow projected by
 * `sla-inflow` and appends SurgeStarted / SurgeEnded to the `sla-surge` stream. Every replica may
 * run it: the events of one minute have ids derived from that minute, so a second replica
 * assessing the same minute appends nothing new.
 */
@Injectable()
export class SurgeWatchTask implements OnModuleInit {
  private readonly logger = new Logger(SurgeWatchTask.name);
  private readonly db: Kysely<SlaInflowTables>;
  private readonly settings: SurgeSettings;

  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(READ_STORE) readStore: ReadStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly tasks: BackgroundTasks,
    // Read at construction: a bad variable stops the process at start-up, not a minute later.
    @Optional() @Inject(SURGE_SETTINGS) settings?: SurgeSettings,
  ) {
    this.db = readStore.db as Kysely<SlaInflowTables>;
    this.settings = settings ?? surgeSettingsFromEnv();
  }

  onModuleInit(): void {
    this.tasks.register({ name: SURGE_TASK_NAME, run: (signal) => this.watch(signal) });
  }

  /** Assesses the minute in progress, appends whatever that decides, and returns the resulting status. */
  async assessNow(): Promise<SurgeStatus> {
    const at = this.clock.now().toISOString();
    const nowMinute = minuteOf(at);
    const counts = await this.inflow(nowMinute);
    const command = assessInflowCommand(counts, at, this.settings, await this.state());
    // Same minute, same ids: a replica (or a retry) that decided the same append changes nothing.
    const id = deterministicId(`surge:${nowMinute}`);
    const result = await handleCommand(this.eventStore, slaStreams.surge, surgeDecider, command, {
      metadata: { correlationId: id, causationId: id, actor: surgeActor, occurredAt: at },
      eventId: (event) => deterministicId(`surge:${nowMinute}:${event.type}`),
    });
    return this.statusOf(result.newState, counts, nowMinute);
  }

  /** The status as of now, from the stream and the inflow, without appending anything. */
  async currentStatus(): Promise<SurgeStatus> {
    const nowMinute = minuteOf(this.clock.now());
    return this.statusOf(await this.state(), await this.inflow(nowMinute), nowMinute);
  }

  private async watch(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.assessNow();
      } catch (error) {
        // A read store or event store hiccup costs one minute's assessment; the next one sees the same counts.
        if (!signal.aborted) this.logger.warn(`Surge assessment failed: ${String(error)}`);
      }
      const now = this.clock.now().getTime();
      try {
        await this.clock.sleep(MINUTE_MS - (now % MINUTE_MS), signal);
      } catch {
        return;
      }
    }
  }

  private inflow(nowMinute: number): Promise<MinuteCount[]> {
    return readInflowSince(this.db, nowMinute - HISTORY_MINUTES);
  }

  private state(): Promise<SurgeState> {
    return readStreamState(this.eventStore, slaStreams.surge, surgeDecider);
  }

  private statusOf(state: SurgeState, counts: readonly MinuteCount[], nowMinute: number): SurgeStatus {
    const { ratePerHour, baselinePerHour } = assessInflow(counts, nowMinute, this.settings, state.inSurge ? state.baselinePerHour : null);
    return {
      inSurge: state.inSurge,
      ...(state.inSurge && { since: state.startedAt }),
      ...(baselinePerHour !== null && baselinePerHour > 0 && { factor: round2(ratePerHour / baselinePerHour) }),
      baselinePerHour: baselinePerHour === null ? null : round2(baselinePerHour),
      ratePerHour: round2(ratePerHour),
    };
  }
}
