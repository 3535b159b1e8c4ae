import { Inject, Injectable } from '@nestjs/common';
import { slaStreams, type SlaPolicyChanged, type SlaPolicyDocument } from '@ticketing/contracts';
import { EVENT_STORE, handleCommand, type EventStore } from '@ticketing/event-store';
import { CLOCK, newId, type Actor, type Clock } from '@ticketing/kernel';
import { compilePolicy, DEFAULT_WARNING_THRESHOLDS, slaPolicyDecider, SlaPolicyHistory, type CompiledPolicy, type SlaEnvironment } from '@ticketing/sla-domain';

/** SLA settings from the environment, validated at start-up. */
export type SlaSettings = Readonly<{ warningThresholds: readonly number[]; fcrWindowDays: number }>;

export const SLA_SETTINGS = Symbol.for('ticketing.sla.settings');

/** `TICKETING_SLA_WARNINGS` (fractions of a target, default `0.75,0.9`) and `TICKETING_SLA_FCR_WINDOW_DAYS` (default 7). */
export function slaSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): SlaSettings {
  const warnings = env['TICKETING_SLA_WARNINGS'];
  let warningThresholds = DEFAULT_WARNING_THRESHOLDS;
  if (warnings !== undefined && warnings.trim() !== '') {
    const values = warnings.split(',').map((value) => Number(value.trim()));
    if (values.length > 5 || values.some((value) => !Number.isFinite(value) || value <= 0 || value >= 1) || new Set(values).size !== values.length) {
      throw new Error(`TICKETING_SLA_WARNINGS must be up to 5 distinct fractions between 0 and 1 separated by commas (e.g. 0.75,0.9), got "${warnings}"`);
    }
    warningThresholds = [...values].sort((a, b) => a - b);
  }
  const window = env['TICKETING_SLA_FCR_WINDOW_DAYS'];
  const fcrWindowDays = window === undefined || window.trim() === '' ? 7 : Number(window);
  if (!Number.isInteger(fcrWindowDays) || fcrWindowDays < 0 || fcrWindowDays > 365) {
    throw new Error(`TICKETING_SLA_FCR_WINDOW_DAYS must be a whole number of days from 0 to 365, got "${window}"`);
  }
  return { warningThresholds, fcrWindowDays };
}

/**
 * The `sla-policy` stream as every version compiled, read incrementally: each call reads only the
 * versions appended since the last one (one indexed read when nothing changed).
 */
@Injectable()
export class SlaPolicyStore {
  private history = new SlaPolicyHistory();
  private revision = -1;
  /** The log's head when the history was last read: every version at or below it is in the history. */
  private headSeen = 0;
  private reading: Promise<SlaPolicyHistory> | undefined;

  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SLA_SETTINGS) private readonly settings: SlaSettings,
  ) {}

  /**
   * Every version so far, with the default as version 0. Given the global position of the event
   * being handled, a history read when the log's head was already past it is current enough: any
   * version appended before that event is in it (the consumer, behind under load, reads nothing).
   */
  async versions(asOfPosition?: number): Promise<SlaPolicyHistory> {
    if (asOfPosition !== undefined && asOfPosition <= this.headSeen) return this.history;
    // Concurrent callers share one read: versions must be appended to the history in order, once.
    this.reading ??= this.readNewVersions().finally(() => (this.reading = undefined));
    return this.reading;
  }

  async environment(asOfPosition?: number): Promise<SlaEnvironment> {
    return { policies: await this.versions(asOfPosition), warningThresholds: this.settings.warningThresholds };
  }

  async current(): Promise<CompiledPolicy> {
    return (await this.versions()).at(this.clock.now().toISOString());
  }

  /** Appends a new version; throws ValidationError naming every bad rule. */
  async change(document: SlaPolicyDocument, effectiveFrom: string | null, actor: Actor): Promise<CompiledPolicy> {
    const now = this.clock.now().toISOString();
    const correlationId = newId();
    await handleCommand(this.eventStore, slaStreams.policy, slaPolicyDecider, { type: 'ChangeSlaPolicy', data: { document, effectiveFrom, by: actor.id, now } }, {
      metadata: { correlationId, causationId: correlationId, actor, occurredAt: now },
    });
    return (await this.versions()).current;
  }

  private async readNewVersions(): Promise<SlaPolicyHistory> {
    const head = await this.eventStore.headPosition();
    let history = this.history;
    for await (const recorded of this.eventStore.readStream(slaStreams.policy, { from: this.revision + 1 })) {
      const { data } = recorded as unknown as SlaPolicyChanged & { streamRevision: number };
      history = history.with(compilePolicy(data.version, data.effectiveFrom, { rules: data.rules, calendars: data.calendars }));
      this.revision = recorded.streamRevision;
    }
    this.history = history;
    this.headSeen = Math.max(this.headSeen, head);
    return history;
  }
}
