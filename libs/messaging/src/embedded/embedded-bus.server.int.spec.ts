import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { ManualClock } from '@ticketing/kernel';
import { SqliteEventStore } from '@ticketing/event-store';
import { connectBusMicroservice } from '../connect-bus';
import { SqliteConsumerStateStore } from '../sqlite-consumer-state-store.adapter';
import { EmbeddedBusServer } from './embedded-bus.server';
import { appendOne, BusTestModule, deferred, idle, Probe, settle, settleCheckpoint } from './embedded-bus.fixtures';

/** What `ticketing start` and the CLI do: an HTTP app with the bus connected, on one SQLite file. */
type Process = Readonly<{
  app: INestApplication;
  server: EmbeddedBusServer;
  events: SqliteEventStore;
  state: SqliteConsumerStateStore;
  stop: () => Promise<void>;
}>;

describe('EmbeddedBusServer on SQLite files', () => {
  let dir: string;
  let file: string;
  let clock: ManualClock;
  let probe: Probe;
  const running: Process[] = [];

  async function start({ consume = true, closeTimeoutMs = 10_000 } = {}): Promise<Process> {
    const events = new SqliteEventStore({ path: file, clock });
    const state = new SqliteConsumerStateStore(file, { clock });
    const server = new EmbeddedBusServer({
      eventStore: events,
      state,
      clock,
      retry: { maxAttempts: 2, initialBackoffMs: 50 },
      closeTimeoutMs,
    });
    const app = await NestFactory.create(BusTestModule.with(probe), new FastifyAdapter(), { logger: false });
    connectBusMicroservice(app, server);
    await app.init();
    if (consume) await app.startAllMicroservices();
    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      await app.close();
      await state.close();
      await events.close();
    };
    const process = { app, server, events, state, stop };
    running.push(process);
    return process;
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'embedded-bus-'));
    file = join(dir, 'events.db');
    clock = new ManualClock('2026-04-01T00:00:00.000Z');
    probe = new Probe();
  });

  afterEach(async () => {
    clock.advance(3_600_000);
    for (const process of running.splice(0).reverse()) await process.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('consumes, parks with the real error, and resumes from the persisted checkpoint after a restart', async () => {
    const blocked = deferred();
    let crashing = true;
    probe.on('routing:TicketOpened', (event) => {
      if (event.streamName === 'ticket-poison') throw new Error('poison ticket');
    });
    probe.on('sla:TicketOpened', (event) => (crashing && event.globalPosition === 4 ? blocked.promise : undefined));

    const first = await start({ closeTimeoutMs: 1_000 });
    await appendOne(first.events, 'ticket-1', 'TicketOpened');
    await appendOne(first.events, 'ticket-poison', 'TicketOpened');
    await appendOne(first.events, 'ticket-1', 'TicketClosed');
    await appendOne(first.events, 'ticket-2', 'TicketOpened');
    await appendOne(first.events, 'ticket-3', 'TicketOpened');
    await settle(() => clock.pendingSleeps > 0, 'routing backoff');
    clock.advance(50);
    await settleCheckpoint(first.state, 'routing', 5);
    await settle(() => probe.of('sla:TicketOpened').some((d) => d.position === 4), 'sla blocked on 4');

    // The connected helper installed BusExceptionFilter: the dead letter has the real error.
    const [letter] = await first.server.listDeadLetters();
    expect(letter).toMatchObject({ group: 'routing', position: 2, attempts: 2, error: { message: 'poison ticket' } });
    expect(letter.error.stack).toContain('poison ticket');

    // Stop with sla's handler stuck: the shutdown bound passes, nothing of 4 is acknowledged.
    const stopping = first.stop();
    await idle();
    clock.advance(1_000);
    await stopping;

    crashing = false;
    const second = await start();
    await settleCheckpoint(second.state, 'sla', 5);
    await idle();
    expect(probe.of('sla:TicketOpened').map((d) => d.position)).toEqual([1, 2, 4, 4, 5]);
    expect(probe.of('routing:TicketOpened').filter((d) => d.position !== 2).map((d) => d.position)).toEqual([1, 4, 5]);
    expect(probe.of('routing:TicketClosed').map((d) => d.position)).toEqual([3]);
    expect(await second.server.groupStatus()).toEqual([
      { group: 'default', eventTypes: ['AgentJoined'], checkpoint: 0, head: 5, lag: 0, parked: 0, running: true },
      { group: 'routing', eventTypes: ['TicketClosed', 'TicketOpened'], checkpoint: 5, head: 5, lag: 0, parked: 1, running: true },
      { group: 'sla', eventTypes: ['TicketOpened'], checkpoint: 5, head: 5, lag: 0, parked: 0, running: true },
    ]);
  });

  it('lets a second process (the CLI) list and replay dead letters while the service runs', async () => {
    let fixed = false;
    probe.on('routing:TicketOpened', () => {
      if (!fixed) throw new Error('routing rules not loaded');
    });
    const service = await start();
    await appendOne(service.events, 'ticket-1', 'TicketOpened');
    await settle(() => clock.pendingSleeps > 0, 'backoff');
    clock.advance(50);
    await settleCheckpoint(service.state, 'routing', 1);

    const cli = await start({ consume: false });
    const [letter] = await cli.server.listDeadLetters();
    expect(letter).toMatchObject({ group: 'routing', position: 1, eventType: 'TicketOpened', streamName: 'ticket-1' });

    fixed = true;
    const deliveriesBefore = probe.deliveries.length;
    expect(await cli.server.replayDeadLetters({ ids: [letter.id] })).toEqual([
      expect.objectContaining({ id: letter.id, outcome: 'replayed', attempts: 3 }),
    ]);
    await cli.stop();
    expect(probe.deliveries.slice(deliveriesBefore)).toEqual([
      expect.objectContaining({ handler: 'routing:TicketOpened', position: 1, attempt: 3 }),
    ]);
    // The service sees the replay in the shared file and is still consuming.
    expect(await service.server.listDeadLetters()).toEqual([]);
    expect((await service.server.listDeadLetters({ includeReplayed: true }))[0].replayedAt).toBe('2026-04-01T00:00:00.050Z');
    await appendOne(service.events, 'ticket-2', 'TicketOpened');
    await settleCheckpoint(service.state, 'routing', 2);
    expect(service.server.isHealthy()).toBe(true);
  });
});
