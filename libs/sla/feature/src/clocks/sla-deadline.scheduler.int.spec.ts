import { afterEach, beforeEach, expect, it, jest } from '@jest/globals';
import { slaStreams, WORKING_DAYS, type WorkingDays } from '@ticketing/contracts';
import { slaWorkingDaysProvider } from '../sla.module';
import { MemoryEventStore } from '@ticketing/event-store';
import { ManualClock, newId } from '@ticketing/kernel';
import { BackgroundTasks } from '@ticketing/platform';
import { openReadStore, ProjectionRunner, type ReadStore } from '@ticketing/read-store';
import { describeEachReadStore, type ReadStoreLocation } from '@ticketing/read-store/testing';
import { Test } from '@nestjs/testing';
import { SlaPolicyStore, type SlaSettings } from '../policy/sla-policy.store';
import { slaClocksProjection } from '../read-model/sla-clocks.projection';
import { SlaClockCommands } from './sla-clock.commands';
import { SlaDeadlineScheduler } from './sla-deadline.scheduler';

const OPENED = '2026-12-01T10:00:00.000Z';
const SETTINGS: SlaSettings = { warningThresholds: [0.75, 0.9], fcrWindowDays: 7 };

// The durable timer: due checks are rows of the sla-clocks read model; firing one is a command at the revision read.
describeEachReadStore('the SLA timer (sla-clocks read model + CheckDeadlines)', (target) => {
  let location: ReadStoreLocation;
  let eventStore: MemoryEventStore;
  let readStore: ReadStore;
  let runner: ProjectionRunner;
  let clock: ManualClock;
  let policies: SlaPolicyStore;
  let commands: SlaClockCommands;

  beforeEach(async () => {
    location = await target.create();
    eventStore = new MemoryEventStore();
    readStore = await openReadStore(location.url);
    runner = new ProjectionRunner({ readStore, eventStore, projections: [slaClocksProjection] });
    await runner.start();
    clock = new ManualClock(OPENED);
    policies = new SlaPolicyStore(eventStore, clock, SETTINGS);
    commands = new SlaClockCommands(eventStore);
  });

  afterEach(async () => {
    await runner.stop();
    await readStore.close();
    await eventStore.close();
    await location.dispose();
  });

  const scheduler = () => new SlaDeadlineScheduler(readStore, clock, policies, commands, new BackgroundTasks());

  async function openChatTicket(): Promise<string> {
    const ticketId = newId();
    const env = await policies.environment();
    await commands.run(
      { type: 'TrackTicket', data: { ticketId, at: clock.now().toISOString(), env, channel: 'chat', language: 'en' } },
      { causeId: newId(), correlationId: newId(), causationId: newId(), occurredAt: clock.now().toISOString() },
    );
    await runner.waitFor(await eventStore.headPosition());
    return ticketId;
  }

  async function typesOf(ticketId: string): Promise<string[]> {
    const types: string[] = [];
    for await (const event of eventStore.readStream(slaStreams.clock(ticketId))) types.push(event.type);
    return types;
  }

  async function fire(timer: SlaDeadlineScheduler): Promise<void> {
    await timer.fireDue();
    await runner.waitFor(await eventStore.headPosition());
  }

  it('warns at 75% and 90% and breaches once at the due time, across a restart (a new timer on the same read model)', async () => {
    const ticketId = await openChatTicket();
    let timer = scheduler();
    clock.advance(3 * 60_000);
    await fire(timer);
    expect((await typesOf(ticketId)).filter((type) => type === 'SlaWarningIssued')).toEqual([]);
    clock.advance(45_000); // 3:45 = 75% of the chat first response's 5 minutes
    await fire(timer);
    expect((await typesOf(ticketId)).filter((type) => type === 'SlaWarningIssued')).toHaveLength(1);

    timer = scheduler(); // the process restarted: nothing but the read model and the event store carries over
    clock.advance(45_000); // 4:30 = 90%
    await fire(timer);
    clock.advance(30_000); // 5:00
    await fire(timer);
    await fire(timer);
    clock.advance(60_000);
    await fire(timer);
    const types = await typesOf(ticketId);
    expect(types.filter((type) => type === 'SlaWarningIssued')).toHaveLength(2);
    expect(types.filter((type) => type === 'SlaBreached')).toHaveLength(1);
    const row = await readStore.db.selectFrom('sla_clocks' as never).selectAll().where('ticket_id' as never, '=', ticketId as never).where('target' as never, '=', 'firstResponse' as never).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ breached: 1, next_check_at: null });
  });

  it('fires a check once when two replicas’ timers race on it', async () => {
    const ticketIds = [await openChatTicket(), await openChatTicket(), await openChatTicket()];
    clock.advance(5 * 60_000 + 1);
    const [first, second] = [scheduler(), scheduler()];
    await Promise.all([first.fireDue(), second.fireDue(), first.fireDue()]);
    await runner.waitFor(await eventStore.headPosition());
    for (const ticketId of ticketIds) {
      const types = await typesOf(ticketId);
      expect(types.filter((type) => type === 'SlaBreached')).toHaveLength(1);
      expect(types.filter((type) => type === 'SlaWarningIssued')).toHaveLength(0);
    }
  });

  it('gets past a page of checks it just made while the read model has not moved yet (the projection lags)', async () => {
    const ticketIds: string[] = [];
    for (let index = 0; index < 520; index++) ticketIds.push(await openChatTicket());
    await runner.stop(); // the rows stay where they are: every check looks due again until the projection runs
    clock.advance(5 * 60_000 + 1);
    await scheduler().fireDue();
    let breached = 0;
    for (const ticketId of ticketIds) if ((await typesOf(ticketId)).includes('SlaBreached')) breached++;
    expect(breached).toBe(520);
  });

  it('sees a policy version another process appended before the event it handles, and reads nothing for events it is behind on', async () => {
    const consumerSide = new SlaPolicyStore(eventStore, clock, SETTINGS);
    await openChatTicket();
    expect((await consumerSide.environment(await eventStore.headPosition())).policies.current.version).toBe(0);
    await policies.change({ rules: [{ name: 'all', match: {}, targets: { firstResponse: 'PT1M' } }] }, null, { kind: 'admin', id: 'admin-1' });
    const changedAt = await eventStore.headPosition();
    expect((await consumerSide.environment(changedAt)).policies.current.version).toBe(1);
    const reads = jest.spyOn(eventStore, 'readStream');
    await consumerSide.environment(changedAt - 1);
    expect(reads).not.toHaveBeenCalled();
  });

  it('runs as a background task sleeping on the injected clock: advancing it past the due time fires the breach', async () => {
    const ticketId = await openChatTicket();
    const abort = new AbortController();
    const running = scheduler().run(abort.signal);
    try {
      for (let step = 0; step < 11; step++) {
        clock.advance(30_000);
        for (let spin = 0; spin < 20; spin++) await new Promise((resolve) => setImmediate(resolve));
        await runner.waitFor(await eventStore.headPosition());
      }
      for (let attempt = 0; attempt < 200 && !(await typesOf(ticketId)).includes('SlaBreached'); attempt++) {
        clock.advance(100);
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect((await typesOf(ticketId)).filter((type) => type === 'SlaBreached')).toHaveLength(1);
    } finally {
      abort.abort();
      await running;
    }
  });

  it('gives working-day ETAs from the policy’s calendars to other contexts (WORKING_DAYS)', async () => {
    await policies.change(
      {
        rules: [{ name: 'office', match: {}, targets: { resolution: 'P5D' }, calendar: 'berlin' }],
        calendars: { berlin: { timeZone: 'Europe/Berlin', workingHours: { mon: [['09:00', '18:00']], tue: [['09:00', '18:00']], wed: [['09:00', '18:00']], thu: [['09:00', '18:00']], fri: [['09:00', '18:00']] }, holidays: { country: 'DE' } } },
      },
      null,
      { kind: 'admin', id: 'admin-1' },
    );
    const module = await Test.createTestingModule({
      providers: [{ provide: SlaPolicyStore, useValue: policies }, slaWorkingDaysProvider],
    }).compile();
    const workingDays = module.get<WorkingDays>(WORKING_DAYS);
    // Tue 2026-12-01 + 20 working days, Mon–Fri: Christmas Day (Friday) is a German public holiday, Christmas Eve is not.
    expect((await workingDays.addWorkingDays(new Date(OPENED), 20, 'berlin')).toISOString()).toBe('2026-12-30T17:00:00.000Z');
    await expect(workingDays.addWorkingDays(new Date(OPENED), 3, 'nowhere')).rejects.toThrow('no calendar "nowhere"');
    expect((await workingDays.addWorkingDays(new Date(OPENED), 2)).toISOString()).toBe('2026-12-03T10:00:00.000Z');
  });
});
