import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ManualClock } from '@ticketing/kernel';
import { SqliteEventStore } from '@ticketing/event-store';
import { appendOne, deferred, settle } from '../embedded/embedded-bus.fixtures';
import { SqliteConsumerStateStore } from '../sqlite-consumer-state-store.adapter';
import { EventRelay, relayCheckpointName } from './event.relay';
import type { RelayCheckpointStore } from './relay.ports';
import { firstOccurrences, RecordingRelayPublisher } from './test-support/recording-relay.publisher';

const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** `ticketing start` with TICKETING_BUS=kafka: the relay tails the SQLite event store and checkpoints in its file. */
describe('EventRelay on a SQLite event store file', () => {
  let dir: string;
  let file: string;
  let clock: ManualClock;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'event-relay-'));
    file = join(dir, 'events.db');
    clock = new ManualClock('2026-06-01T00:00:00.000Z');
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const open = () => ({ events: new SqliteEventStore({ path: file, clock }), state: new SqliteConsumerStateStore(file, { clock }) });

  const settleCheckpoint = async (state: SqliteConsumerStateStore, position: number) => {
    for (let i = 0; i < 2_000; i++) {
      if ((await state.loadCheckpoint(relayCheckpointName('intake'))) >= position) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
    throw new Error(`Timed out waiting for the relay checkpoint to reach ${position}`);
  };

  it('tails appends live, keeps its checkpoint in the event store file, and a new process resumes from it after a crash: duplicates, no gaps', async () => {
    const publisher = new RecordingRelayPublisher();
    const first = open();
    const crash = deferred();
    let saves = 0;
    const dying: RelayCheckpointStore = {
      loadCheckpoint: (name) => first.state.loadCheckpoint(name),
      saveCheckpoint: async (name, position) => {
        // The process dies on its third checkpoint write, after the broker acknowledged the batch.
        if (++saves === 3) await crash.promise;
        return first.state.saveCheckpoint(name, position);
      },
    };
    const relay = new EventRelay({ eventStore: first.events, publisher, checkpoints: dying, contexts: ['intake'], clock, logger: silent });
    relay.start();
    for (let i = 1; i <= 2; i++) {
      await appendOne(first.events, `ticket-${i}`, 'TicketOpened');
      await settleCheckpoint(first.state, i);
    }
    await appendOne(first.events, 'routing-1', 'TicketQueued');
    await appendOne(first.events, 'ticket-1', 'TicketClosed');
    await settle(() => publisher.positions().includes(4) && saves === 3, 'acknowledged, checkpoint write pending');

    // What a new process finds in the file: the checkpoint of the last batch whose write completed.
    const persisted = new Database(file, { readonly: true });
    expect(persisted.prepare('SELECT group_name, position FROM bus_checkpoints').all()).toEqual([{ group_name: 'relay.intake', position: 2 }]);
    persisted.close();

    const second = open();
    await appendOne(second.events, 'ticket-2', 'TicketClosed');
    const next = new EventRelay({ eventStore: second.events, publisher, checkpoints: second.state, contexts: ['intake'], clock, logger: silent });
    next.start();
    await settleCheckpoint(second.state, 5);
    await next.stop();

    expect(publisher.positions()).toEqual([1, 2, 4, 4, 5]);
    expect(firstOccurrences(publisher.log).map((p) => [p.key, p.type])).toEqual([
      ['1', 'TicketOpened'],
      ['2', 'TicketOpened'],
      ['1', 'TicketClosed'],
      ['2', 'TicketClosed'],
    ]);

    crash.reject(new Error('process killed'));
    clock.advance(3_600_000);
    await relay.stop();
    for (const { events, state } of [first, second]) {
      await state.close();
      await events.close();
    }
  });
});
