// The behaviour every bus transport must show (embedded, Kafka), run by each transport's specs
// against a small harness. Handlers are the BusTestModule's: `routing` handles TicketOpened and
// TicketClosed, `sla` TicketOpened; the payload is the recorded event, the context a BusEventContext.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { RecordedEvent } from '@ticketing/event-store';
import type { DeadLetterRecord } from './dead-letter';
import type { RetryPolicy } from './retry.policy';
import { deferred, type Delivery, type Probe } from './embedded/embedded-bus.fixtures';

/** Retry policy a harness must give its bus: three attempts, no backoff (backoff has its own unit tests). */
export const CONTRACT_RETRY: RetryPolicy = { maxAttempts: 3, initialBackoffMs: 0, maxBackoffMs: 0, multiplier: 1 };

export interface BusContractHarness {
  /** Records the deliveries of the BusTestModule's handlers and scripts their behaviour. */
  readonly probe: Probe;
  /** Start the bus (again: a new process on the same event store, state and broker). */
  start(): Promise<void>;
  /** Shut the running bus down as the app would (`app.close()`). */
  stop(): Promise<void>;
  /** Append one event to the event store; the transport must get it to the handlers by its own way. */
  append(stream: string, type: string): Promise<RecordedEvent>;
  deadLetters(): Promise<DeadLetterRecord[]>;
  /** Resolve once `condition` holds; reject after the transport's patience ran out. */
  eventually(condition: () => boolean | Promise<boolean>, what: string): Promise<void>;
  /** Give the transport the time it would need to do something it must not (deliver again…). */
  quiesce(): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * At-least-once per-ticket order: a ticket's deliveries may repeat an event already delivered, but
 * never reach an event before every earlier one of that ticket was delivered at least once.
 */
export function expectPerStreamOrder(deliveries: readonly Delivery[], streams: readonly string[], eventsPerStream: number): void {
  for (const stream of streams) {
    const revisions = deliveries.filter((d) => d.streamName === stream).map((d) => d.streamRevision);
    let highest = -1;
    for (const revision of revisions) {
      expect({ stream, revision, highestBefore: highest, ok: revision <= highest + 1 }).toMatchObject({ ok: true });
      highest = Math.max(highest, revision);
    }
    expect({ stream, delivered: [...new Set(revisions)].sort((a, b) => a - b) }).toEqual({
      stream,
      delivered: Array.from({ length: eventsPerStream }, (_, i) => i),
    });
  }
}

export function describeBusContract(name: string, createHarness: () => Promise<BusContractHarness>): void {
  describe(`bus contract: ${name}`, () => {
    let harness: BusContractHarness;
    let run = 0;
    // Stream names unique per test, so a transport keeping state across tests (a broker) cannot mix them up.
    const stream = (label: string) => `ticket-c${run}-${label}`;

    beforeEach(async () => {
      run++;
      harness = await createHarness();
    });

    afterEach(async () => {
      await harness.dispose();
    });

    it('delivers every ticket\'s events in order across event types, and each group gets them independently', async () => {
      await harness.start();
      const streams = Array.from({ length: 6 }, (_, i) => stream(`order-${i}`));
      const rounds = 6;
      // Interleaved across tickets, alternating types within a ticket: a transport that split a
      // ticket's events by type (one topic per pattern) would reorder them.
      for (let round = 0; round < rounds; round++) {
        for (const name of round % 2 === 0 ? streams : [...streams].reverse()) {
          await harness.append(name, round % 2 === 0 ? 'TicketOpened' : 'TicketClosed');
        }
      }
      const routing = () => harness.probe.deliveries.filter((d) => d.group === 'routing' && streams.includes(d.streamName));
      const sla = () => harness.probe.deliveries.filter((d) => d.group === 'sla' && streams.includes(d.streamName));
      await harness.eventually(() => new Set(routing().map((d) => d.eventId)).size === streams.length * rounds, 'routing got every event');
      await harness.eventually(() => new Set(sla().map((d) => d.eventId)).size === (streams.length * rounds) / 2, 'sla got every TicketOpened');
      expectPerStreamOrder(routing(), streams, rounds);
      for (const name of streams) {
        expect(sla().filter((d) => d.streamName === name).map((d) => d.streamRevision)).toEqual([0, 2, 4]);
        expect(routing().filter((d) => d.streamName === name).map((d) => d.type)).toEqual(
          ['TicketOpened', 'TicketClosed', 'TicketOpened', 'TicketClosed', 'TicketOpened', 'TicketClosed'],
        );
      }
      expect(sla().every((d) => d.type === 'TicketOpened')).toBe(true);
    });

    it('redelivers an event whose handler failed until it succeeds, holding back the ticket\'s later events', async () => {
      const flaky = stream('flaky');
      let failures = 2;
      harness.probe.on('routing:TicketOpened', (event) => {
        if (event.streamName === flaky && failures-- > 0) throw new Error('downstream unavailable');
      });
      await harness.start();
      const opened = await harness.append(flaky, 'TicketOpened');
      const closed = await harness.append(flaky, 'TicketClosed');
      await harness.eventually(() => harness.probe.deliveries.some((d) => d.eventId === closed.id), 'the later event delivered');
      const routing = harness.probe.deliveries.filter((d) => d.group === 'routing' && d.streamName === flaky);
      expect(routing.map((d) => [d.eventId, d.attempt])).toEqual([
        [opened.id, 1],
        [opened.id, 2],
        [opened.id, 3],
        [closed.id, 1],
      ]);
      expect(await harness.deadLetters()).toEqual([]);
    });

    it('after a stop mid-handler, a restart delivers the unacknowledged event again and skips nothing after it', async () => {
      const name = stream('stop');
      const blocked = deferred();
      let firstRun = true;
      harness.probe.on('routing:TicketClosed', (event) => (firstRun && event.streamName === name && event.streamRevision === 1 ? blocked.promise : undefined));
      await harness.start();
      const events = [
        await harness.append(name, 'TicketOpened'),
        await harness.append(name, 'TicketClosed'),
        await harness.append(name, 'TicketOpened'),
        await harness.append(name, 'TicketClosed'),
      ];
      await harness.eventually(() => harness.probe.deliveries.some((d) => d.eventId === events[1].id), 'the second event in flight');
      // The process goes down while that handler is still running; it never completes successfully.
      const stopping = harness.stop();
      blocked.reject(new Error('process killed'));
      await stopping;
      firstRun = false;

      await harness.start();
      const routing = () => harness.probe.deliveries.filter((d) => d.group === 'routing' && d.streamName === name);
      await harness.eventually(() => routing().some((d) => d.eventId === events[3].id), 'the last event delivered');
      await harness.quiesce();
      expect(routing().map((d) => d.streamRevision)).toEqual([0, 1, 1, 2, 3]);
    });

    it('dead-letters an event that keeps failing, with its error, and moves on to the ticket\'s next events', async () => {
      const poison = stream('poison');
      const healthy = stream('healthy');
      harness.probe.on('routing:TicketOpened', (event) => {
        if (event.streamName === poison) throw new TypeError(`no queue rule for ${poison}`);
      });
      await harness.start();
      const bad = await harness.append(poison, 'TicketOpened');
      const after = await harness.append(poison, 'TicketClosed');
      const other = await harness.append(healthy, 'TicketOpened');
      await harness.eventually(
        () => [after.id, other.id].every((id) => harness.probe.deliveries.some((d) => d.group === 'routing' && d.eventId === id)),
        'routing moved on',
      );
      let parked: DeadLetterRecord[] = [];
      await harness.eventually(async () => (parked = await harness.deadLetters()).length > 0, 'the dead letter listed');
      expect(parked).toEqual([
        expect.objectContaining({
          group: 'routing',
          eventId: bad.id,
          eventType: 'TicketOpened',
          streamName: poison,
          position: bad.globalPosition,
          attempts: CONTRACT_RETRY.maxAttempts,
          error: expect.objectContaining({ name: 'TypeError', message: `no queue rule for ${poison}` }),
          replayedAt: null,
        }),
      ]);
      expect(harness.probe.deliveries.filter((d) => d.eventId === bad.id && d.group === 'routing')).toHaveLength(CONTRACT_RETRY.maxAttempts);
      // Another group is not affected by routing's failure.
      expect(harness.probe.deliveries.filter((d) => d.eventId === bad.id && d.group === 'sla')).toHaveLength(1);
    });

    it('resumes from its checkpoint after a restart: acknowledged events are not delivered again', async () => {
      const name = stream('resume');
      await harness.start();
      const before = [await harness.append(name, 'TicketOpened'), await harness.append(name, 'TicketClosed')];
      const routing = () => harness.probe.deliveries.filter((d) => d.group === 'routing' && d.streamName === name);
      await harness.eventually(() => routing().length === 2, 'the first events delivered');
      await harness.stop();

      // Appended while no consumer runs: picked up on the next start.
      const after = [await harness.append(name, 'TicketOpened'), await harness.append(name, 'TicketClosed')];
      await harness.start();
      await harness.eventually(() => routing().length >= 4, 'the later events delivered');
      await harness.quiesce();
      expect(routing().map((d) => d.eventId)).toEqual([...before, ...after].map((e) => e.id));
    });
  });
}
