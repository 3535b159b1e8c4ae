// The processor with hand-written fakes of the kafkajs surface it touches (an eachMessage payload,
// commitOffsets, the dead-letter append): ordering of commit vs. acknowledgement and the mapping of
// failures. Not proven here: anything about a broker or the kafkajs consumer loop.
import type { KafkaMessage } from 'kafkajs';
import { ManualClock } from '@ticketing/kernel';
import { MemoryEventStore, type RecordedEvent } from '@ticketing/event-store';
import type { BusHandler } from '../bus-handler.registry';
import { appendOne, deferred, idle, settle } from '../embedded/embedded-bus.fixtures';
import { invokeBusHandler } from '../event-delivery';
import { resolveRetryPolicy } from '../retry.policy';
import { encodeEvent } from './kafka-message.codec';
import { DeliveryAbortedError, KafkaMessageProcessor, type CommitOffsets, type KafkaMessageProcessorDeps } from './kafka-message.processor';

const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

describe('KafkaMessageProcessor', () => {
  let clock: ManualClock;
  let event: RecordedEvent;
  let commits: Array<{ topic: string; partition: number; offset: string }>;
  let commitOffsets: CommitOffsets;
  let appended: Array<{ topic: string; count: number }>;
  let heartbeats: number;

  const message = (offset = '41'): KafkaMessage => {
    const encoded = encodeEvent(event);
    return {
      key: Buffer.from(String(encoded.key)),
      value: Buffer.from(String(encoded.value)),
      headers: Object.fromEntries(Object.entries(encoded.headers ?? {}).map(([k, v]) => [k, Buffer.from(String(v))])),
      offset,
      timestamp: '0',
      attributes: 0,
    };
  };

  const payload = (offset?: string) => ({
    topic: 'ticketing.intake.events',
    partition: 2,
    message: message(offset),
    heartbeat: async () => void heartbeats++,
  });

  const processor = (handler: BusHandler | undefined, extra: Partial<KafkaMessageProcessorDeps> = {}) =>
    new KafkaMessageProcessor({
      group: 'routing',
      handlersFor: (type) => (handler && type === 'TicketOpened' ? [handler] : []),
      policy: resolveRetryPolicy({ maxAttempts: 3, initialBackoffMs: 2_500, maxBackoffMs: 2_500 }),
      clock,
      invoke: invokeBusHandler,
      deadLetters: {
        append: async (topic, messages) => void appended.push({ topic, count: messages.length }),
      },
      logger: silent,
      signal: new AbortController().signal,
      heartbeatIntervalMs: 1_000,
      newId: () => 'dl-1',
      ...extra,
    });

  beforeEach(async () => {
    clock = new ManualClock('2026-07-01T00:00:00.000Z');
    event = await appendOne(new MemoryEventStore({ clock }), 'ticket-1', 'TicketOpened');
    commits = [];
    commitOffsets = async (offsets) => void commits.push(...offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset })));
    appended = [];
    heartbeats = 0;
  });

  it('commits the next offset after the handler succeeded, with 64-bit offsets intact', async () => {
    let committedBeforeHandled = false;
    const outcome = await processor(async () => {
      committedBeforeHandled = commits.length > 0;
    }).process(payload('9007199254740993'), commitOffsets);
    expect(outcome).toBe('delivered');
    expect(committedBeforeHandled).toBe(false);
    expect(commits).toEqual([{ topic: 'ticketing.intake.events', partition: 2, offset: '9007199254740994' }]);
  });

  it('commits a message no handler of the group wants, without reading its value', async () => {
    const skipped = payload();
    skipped.message.value = Buffer.from('not even json');
    expect(await processor(undefined).process(skipped, commitOffsets)).toBe('skipped');
    expect(commits).toEqual([expect.objectContaining({ offset: '42' })]);
    expect(appended).toEqual([]);
  });

  it('commits a dead-lettered message only once the dead-letter topic acknowledged the copy', async () => {
    const ack = deferred();
    const work = processor(
      () => {
        throw new Error('nope');
      },
      { policy: resolveRetryPolicy({ maxAttempts: 1 }), deadLetters: { append: () => ack.promise } },
    ).process(payload(), commitOffsets);
    await idle();
    expect(commits).toEqual([]);
    ack.resolve();
    expect(await work).toBe('parked');
    expect(commits).toEqual([expect.objectContaining({ offset: '42' })]);
  });

  it('leaves the message uncommitted when the dead-letter append fails, and says so', async () => {
    const work = processor(
      () => {
        throw new Error('nope');
      },
      { policy: resolveRetryPolicy({ maxAttempts: 1 }), deadLetters: { append: async () => Promise.reject(new Error('NOT_LEADER_FOR_PARTITION')) } },
    ).process(payload(), commitOffsets);
    await expect(work).rejects.toThrow('NOT_LEADER_FOR_PARTITION');
    expect(commits).toEqual([]);
  });

  it('rejects when the commit fails, so kafkajs does not move past the message', async () => {
    const failing: CommitOffsets = async () => Promise.reject(new Error('REBALANCE_IN_PROGRESS'));
    await expect(processor(async () => undefined).process(payload(), failing)).rejects.toThrow('REBALANCE_IN_PROGRESS');
  });

  it('cuts a backoff into heartbeat-sized sleeps with a heartbeat after each', async () => {
    let calls = 0;
    const work = processor(async () => {
      if (calls++ === 0) throw new Error('once');
    }).process(payload(), commitOffsets);
    for (const step of [1_000, 1_000, 500]) {
      await settle(() => clock.pendingSleeps === 1, `sleep of ${step}`);
      const before = heartbeats;
      clock.advance(step - 1);
      await idle();
      expect(heartbeats).toBe(before);
      clock.advance(1);
      await settle(() => heartbeats === before + 1, 'heartbeat');
    }
    expect(await work).toBe('delivered');
    expect(heartbeats).toBe(3);
  });

  it('ends a delivery uncommitted with DeliveryAbortedError when the bus closes during a backoff', async () => {
    const stop = new AbortController();
    const work = processor(
      () => {
        throw new Error('down');
      },
      { signal: stop.signal },
    ).process(payload(), commitOffsets);
    await settle(() => clock.pendingSleeps === 1, 'backoff');
    stop.abort(new Error('closing'));
    await expect(work).rejects.toBeInstanceOf(DeliveryAbortedError);
    expect(commits).toEqual([]);
    expect(appended).toEqual([]);
  });
});
