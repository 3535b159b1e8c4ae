import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { slaStreams } from '@ticketing/contracts';
import { MemoryEventStore, type RecordedEvent } from '@ticketing/event-store';
import { deterministicId, ManualClock, newId } from '@ticketing/kernel';
import { BackgroundTasks, ConfigError } from '@ticketing/platform';
import { openReadStore, ProjectionRunner, type ReadStore } from '@ticketing/read-store';
import { describeEachReadStore, type ReadStoreLocation } from '@ticketing/read-store/testing';
import { DEFAULT_SURGE_SETTINGS, minuteOf, type SurgeSettings } from '@ticketing/sla-domain';
import { readInflowSince, slaInflowProjection, type SlaInflowTables } from './sla-inflow.projection';
import { SURGE_TASK_NAME, SurgeWatchTask, surgeSettingsFromEnv, type SurgeStatus } from './surge-watch.task';

const T0 = '2026-12-07T00:00:00.000Z';
const M0 = minuteOf(T0);
const atMinute = (minute: number): string => new Date(minute * 60_000).toISOString();

// Scaled down so the crash day stays a few hundred tickets: 2 a minute, 6.5× for half an hour.
const SETTINGS: SurgeSettings = { ...DEFAULT_SURGE_SETTINGS, windowMinutes: 5, halfLifeMinutes: 30, warmupMinutes: 30, cooldownMinutes: 5 };
const NORMAL = 2;
const CRASH = 13;

/** Lets pending promise callbacks run; never waits for wall-clock time. */
async function until(condition: () => boolean): Promise<void> {
  for (let turn = 0; turn < 10_000 && !condition(); turn++) await new Promise((resolve) => setImmediate(resolve));
  expect(condition()).toBe(true);
}

describeEachReadStore('surge watch', (target) => {
  let location: ReadStoreLocation;
  let clock: ManualClock;
  let eventStore: MemoryEventStore;
  let readStore: ReadStore;
  let runner: ProjectionRunner;
  let tasks: BackgroundTasks;
  let watch: SurgeWatchTask;

  beforeEach(async () => {
    location = await target.create();
    clock = new ManualClock(T0);
    eventStore = new MemoryEventStore({ clock });
    readStore = await openReadStore(location.url);
    runner = new ProjectionRunner({ readStore, eventStore, projections: [slaInflowProjection] });
    await runner.start();
    tasks = new BackgroundTasks();
    watch = new SurgeWatchTask(eventStore, readStore, clock, tasks, SETTINGS);
  });

  afterEach(async () => {
    await tasks.onApplicationShutdown();
    await runner.stop();
    await readStore.close();
    await eventStore.close();
    await location.dispose();
  });

  /** Opens `count` tickets spread over `minute`, each on its own stream, as intake would. */
  async function openTickets(minute: number, count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const ticketId = newId();
      const openedAt = new Date(minute * 60_000 + Math.floor((i * 60_000) / count)).toISOString();
      await eventStore.append(
        `ticket-${ticketId}`,
        [
          {
            id: newId(),
            type: 'TicketOpened',
            schemaVersion: 1,
            data: { ticketId, customerId: 'c-1', channel: 'chat', subject: 's', body: 'b', language: 'en', openedAt },
            metadata: { ticketId, correlationId: ticketId, causationId: ticketId, actor: { kind: 'customer', id: 'c-1' }, occurredAt: openedAt },
          },
        ],
        { expectedRevision: 'no_stream' },
      );
    }
  }

  /** Lives through `perMinute.length` minutes from `first`: their tickets, then an assessment at the start of the next. */
  async function live(first: number, perMinute: readonly number[]): Promise<SurgeStatus[]> {
    const statuses: SurgeStatus[] = [];
    for (let i = 0; i < perMinute.length; i++) {
      clock.set(atMinute(first + i));
      await openTickets(first + i, perMinute[i]);
      clock.set(atMinute(first + i + 1));
      await runner.waitFor(await eventStore.headPosition());
      statuses.push(await watch.assessNow());
    }
    return statuses;
  }

  async function surgeStream(): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    for await (const event of eventStore.readStream(slaStreams.surge)) events.push(event);
    return events;
  }

  it('counts opened tickets per minute of their openedAt', async () => {
    await openTickets(M0, 3);
    await openTickets(M0 + 2, 1);
    await runner.waitFor(await eventStore.headPosition());
    const db = readStore.db as Kysely<SlaInflowTables>;
    expect(await readInflowSince(db, M0)).toEqual([
      { minute: M0, count: 3 },
      { minute: M0 + 2, count: 1 },
    ]);
    expect(await readInflowSince(db, M0 + 1)).toEqual([{ minute: M0 + 2, count: 1 }]);
  });

  it('appends one SurgeStarted early in a 6.5× crash and one SurgeEnded after it, as the SLA system actor', async () => {
    const crashStart = M0 + 60;
    const crashEnd = crashStart + 30;
    const statuses = await live(M0, [...Array(60).fill(NORMAL), ...Array(30).fill(CRASH), ...Array(30).fill(NORMAL)]);

    const events = await surgeStream();
    expect(events.map((event) => event.type)).toEqual(['SurgeStarted', 'SurgeEnded']);
    const [start, end] = events;
    // With a 5-minute window the rate passes 3 × 120/h two minutes into the crash: (3·2 + 2·13) / 5 a minute.
    const startMinute = minuteOf(start.metadata.occurredAt);
    expect(startMinute).toBe(crashStart + 2);
    expect(start.data).toEqual({ factor: 3.2, baselinePerHour: 120, ratePerHour: 384, startedAt: atMinute(startMinute) });
    expect(start.id).toBe(deterministicId(`surge:${startMinute}:SurgeStarted`));
    expect(start.metadata).toEqual({
      correlationId: deterministicId(`surge:${startMinute}`),
      causationId: deterministicId(`surge:${startMinute}`),
      actor: { kind: 'system', id: 'sla-surge' },
      occurredAt: atMinute(startMinute),
    });
    // The window is clear of the crash from crashEnd + 5; five calm minutes later it is over.
    const endMinute = minuteOf(end.metadata.occurredAt);
    expect(endMinute).toBe(crashEnd + 9);
    expect(end.data).toEqual({ baselinePerHour: 120, ratePerHour: 120, startedAt: atMinute(startMinute), endedAt: atMinute(endMinute), peakFactor: 6.5 });

    // What ops saw on the way: warming up, calm, in the surge against the frozen baseline, calm again.
    const statusAt = (minute: number) => statuses[minute - M0 - 1];
    expect(statusAt(M0 + 30)).toEqual({ inSurge: false, baselinePerHour: null, ratePerHour: 120 });
    expect(statusAt(crashStart)).toEqual({ inSurge: false, factor: 1, baselinePerHour: 120, ratePerHour: 120 });
    expect(statusAt(crashStart + 20)).toEqual({ inSurge: true, since: atMinute(startMinute), factor: 6.5, baselinePerHour: 120, ratePerHour: 780 });
    expect(statusAt(endMinute - 1)).toMatchObject({ inSurge: true });
    expect(statusAt(endMinute)).toMatchObject({ inSurge: false });
    expect(await watch.currentStatus()).toMatchObject({ inSurge: false, ratePerHour: 120 });
  });

  it('appends nothing when the same minute is assessed again, by this process or another replica', async () => {
    await live(M0, [...Array(60).fill(NORMAL), ...Array(2).fill(CRASH)]);
    expect((await surgeStream()).map((event) => event.type)).toEqual(['SurgeStarted']);

    expect(await watch.assessNow()).toMatchObject({ inSurge: true, since: clock.now().toISOString() });
    const replica = new SurgeWatchTask(eventStore, readStore, clock, new BackgroundTasks(), SETTINGS);
    await Promise.all([replica.assessNow(), watch.assessNow()]);
    expect((await surgeStream()).map((event) => event.type)).toEqual(['SurgeStarted']);
  });

  it('lets two replicas that decided the same minute on the same state append it once', async () => {
    await live(M0, [...Array(60).fill(NORMAL), CRASH]);
    expect(await surgeStream()).toEqual([]);
    await openTickets(M0 + 61, CRASH);
    clock.set(atMinute(M0 + 62));
    await runner.waitFor(await eventStore.headPosition());

    const replica = new SurgeWatchTask(eventStore, readStore, clock, new BackgroundTasks(), SETTINGS);
    const [first, second] = await Promise.all([watch.assessNow(), replica.assessNow()]);
    expect([first.inSurge, second.inSurge]).toEqual([true, true]);
    expect((await surgeStream()).map((event) => event.type)).toEqual(['SurgeStarted']);
  });

  it('assesses once at start, then at every whole minute of the clock, until shut down', async () => {
    clock.set('2026-12-07T01:00:20.000Z');
    const assess = jest.spyOn(watch, 'assessNow');
    watch.onModuleInit();
    tasks.start();
    await until(() => assess.mock.calls.length === 1 && clock.pendingSleeps === 1);

    clock.advance(39_999);
    await until(() => clock.pendingSleeps === 1);
    expect(assess).toHaveBeenCalledTimes(1);
    clock.advance(1);
    await until(() => assess.mock.calls.length === 2 && clock.pendingSleeps === 1);
    clock.advance(60_000);
    await until(() => assess.mock.calls.length === 3 && clock.pendingSleeps === 1);

    await tasks.onApplicationShutdown();
    expect(clock.pendingSleeps).toBe(0);
    expect(SURGE_TASK_NAME).toBe('sla-surge-watch');
  });

  it('keeps watching after an assessment fails', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const assess = jest.spyOn(watch, 'assessNow').mockRejectedValueOnce(new Error('read store away'));
    watch.onModuleInit();
    tasks.start();
    await until(() => assess.mock.calls.length === 1 && clock.pendingSleeps === 1);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('read store away'));
    clock.advance(60_000);
    await until(() => assess.mock.calls.length === 2 && clock.pendingSleeps === 1);
    warn.mockRestore();
  });
});

describe('surgeSettingsFromEnv', () => {
  it('falls back to the defaults for unset and empty variables', () => {
    expect(surgeSettingsFromEnv({ TICKETING_SLA_SURGE_FACTOR: '' })).toEqual(DEFAULT_SURGE_SETTINGS);
  });

  it('reads every variable', () => {
    expect(
      surgeSettingsFromEnv({
        TICKETING_SLA_SURGE_FACTOR: '4.5',
        TICKETING_SLA_SURGE_END_FACTOR: '2',
        TICKETING_SLA_SURGE_MIN_RATE_PER_HOUR: '120',
        TICKETING_SLA_SURGE_WINDOW_MINUTES: '15',
        TICKETING_SLA_SURGE_HALF_LIFE_MINUTES: '240',
      }),
    ).toEqual({ ...DEFAULT_SURGE_SETTINGS, startFactor: 4.5, endFactor: 2, minRatePerHour: 120, windowMinutes: 15, halfLifeMinutes: 240 });
  });

  it.each([
    ['TICKETING_SLA_SURGE_FACTOR', 'three'],
    ['TICKETING_SLA_SURGE_FACTOR', '1'],
    ['TICKETING_SLA_SURGE_END_FACTOR', '0'],
    ['TICKETING_SLA_SURGE_MIN_RATE_PER_HOUR', '-5'],
    ['TICKETING_SLA_SURGE_WINDOW_MINUTES', '2.5'],
    ['TICKETING_SLA_SURGE_WINDOW_MINUTES', '0'],
    ['TICKETING_SLA_SURGE_HALF_LIFE_MINUTES', '1e3'],
  ])('refuses %s=%s, naming the variable and the value', (variable, value) => {
    expect(() => surgeSettingsFromEnv({ [variable]: value })).toThrow(ConfigError);
    expect(() => surgeSettingsFromEnv({ [variable]: value })).toThrow(`${variable}=${JSON.stringify(value)}`);
  });

  it('refuses an end factor not below the start factor', () => {
    expect(() => surgeSettingsFromEnv({ TICKETING_SLA_SURGE_FACTOR: '2', TICKETING_SLA_SURGE_END_FACTOR: '2' })).toThrow(
      'TICKETING_SLA_SURGE_END_FACTOR="2": expected a number below TICKETING_SLA_SURGE_FACTOR (2)',
    );
  });
});
