// The Kafka transport against a real broker (Kafka in KRaft mode through testcontainers): the bus
// contract, plus what only a broker can show (the relay's messages as stored, dead letters in the
// .dlq topic). Runs where a container engine answers; elsewhere every test is reported as skipped,
// with the reason printed — never as passed.
import { KafkaContainer, type StartedKafkaContainer } from '@testcontainers/kafka';
import { newId, SystemClock } from '@ticketing/kernel';
import { CONTRACT_RETRY, describeBusContract } from '../bus.contract';
import { createKafkaClient } from './kafka-client';
import { KafkaDeadLetterLog } from './kafka-dead-letter.log';
import { EVENT_HEADERS, readHeader } from './kafka-message.codec';
import { KafkaTopicProvisioner } from './kafka-topic.provisioner';
import { deadLetterTopicOf, KafkaTopology } from './kafka-topology';
import { describeWithContainerEngine } from '@ticketing/testing';
import { kafkaBusHarness, type KafkaHarness } from './test-support/kafka-bus.harness';

jest.setTimeout(180_000);

const KAFKA_IMAGE = 'confluentinc/cp-kafka:7.6.1';
describeWithContainerEngine(`Kafka transport on a real broker (${KAFKA_IMAGE})`, () => {
  let container: StartedKafkaContainer | undefined;
  let brokers: string[] = [];
  const clock = new SystemClock();

  beforeAll(async () => {
    container = await new KafkaContainer(KAFKA_IMAGE).withKraft().start();
    brokers = [`${container.getHost()}:${container.getMappedPort(9093)}`];
  });

  afterAll(async () => {
    await container?.stop();
  });

  const harness = (): Promise<KafkaHarness> =>
    kafkaBusHarness({
      kafka: createKafkaClient({ brokers, clientId: 'ticketing-containers-spec' }),
      clock,
      namespace: `t${newId().replace(/-/g, '')}`,
      ensureTopics: { numPartitions: 3, replicationFactor: 1 },
      async eventually(condition, what) {
        const deadline = Date.now() + 90_000;
        while (Date.now() < deadline) {
          if (await condition()) return;
          await clock.sleep(200);
        }
        throw new Error(`Timed out waiting for ${what}`);
      },
      // Long enough for a redelivery to show: a consumer re-fetches within milliseconds.
      quiesce: () => clock.sleep(3_000),
    });

  describeBusContract('Kafka transport on a broker', harness);

  describe('on the broker', () => {
    let h: KafkaHarness;

    beforeEach(async () => {
      h = await harness();
    });

    afterEach(async () => {
      await h.dispose();
    });

    it('relays each event to its context topic, key = ticket id, with the event headers and the recorded event as value', async () => {
      const event = await h.append('ticket-relayed', 'TicketOpened');
      const log = new KafkaDeadLetterLog({ kafka: createKafkaClient({ brokers }), groupIdPrefix: `${h.groupIdPrefix}.reader`, clock, logger: console });
      try {
        const topic = h.topicOf('intake');
        await h.eventually(async () => (await log.readAll([topic])).length === 1, 'the relayed message');
        const [message] = await log.readAll([topic]);
        expect(message.key?.toString()).toBe(event.metadata.ticketId);
        expect(JSON.parse(String(message.value))).toEqual(event);
        expect(readHeader(message.headers, EVENT_HEADERS.eventType)).toBe('TicketOpened');
        expect(readHeader(message.headers, EVENT_HEADERS.eventId)).toBe(event.id);
        expect(readHeader(message.headers, EVENT_HEADERS.correlationId)).toBe(event.metadata.correlationId);
        expect(readHeader(message.headers, EVENT_HEADERS.causationId)).toBe(event.metadata.causationId);
        expect(readHeader(message.headers, EVENT_HEADERS.globalPosition)).toBe(String(event.globalPosition));
        await h.eventually(async () => (await h.relay.status()).lag === 0, 'the relay checkpointed');
      } finally {
        await log.close();
      }
    });

    it('parks to <topic>.dlq with the error, lists it and replays it with a marker', async () => {
      let fixed = false;
      h.probe.on('routing:TicketOpened', () => {
        if (!fixed) throw new Error('routing rules not loaded');
      });
      await h.start();
      const event = await h.append('ticket-dlq', 'TicketOpened');
      let parked: Awaited<ReturnType<KafkaHarness['deadLetters']>> = [];
      await h.eventually(async () => (parked = await h.deadLetters()).length === 1, 'the dead letter');
      expect(parked[0]).toMatchObject({ group: 'routing', eventId: event.id, attempts: CONTRACT_RETRY.maxAttempts, error: { message: 'routing rules not loaded' } });

      fixed = true;
      expect(await h.server().replayDeadLetters({ ids: [parked[0].id] })).toEqual([
        expect.objectContaining({ id: parked[0].id, outcome: 'replayed', attempts: CONTRACT_RETRY.maxAttempts + 1 }),
      ]);
      expect(await h.deadLetters()).toEqual([]);
      const all = await h.server().listDeadLetters({ includeReplayed: true });
      expect(all).toEqual([expect.objectContaining({ id: parked[0].id, replayedAt: expect.any(String) })]);
      expect(deadLetterTopicOf(h.topicOf('intake'))).toBe(`${h.topicOf('intake')}.dlq`);

      const [status] = (await h.server().groupStatus()).filter((s) => s.group === 'routing');
      expect(status).toMatchObject({ lag: 0, parked: 1, running: true });
    });
  });

  describe('topics at start-up', () => {
    const provisioner = (namespace: string, mode: 'create' | 'check') =>
      new KafkaTopicProvisioner({
        kafka: createKafkaClient({ brokers, clientId: 'ticketing-containers-topics' }),
        topology: new KafkaTopology({ topicOf: (context) => `${namespace}.${context}.events` }),
        mode,
        partitions: 4,
        deadLetterPartitions: 2,
        replicationFactor: 1,
        clock,
        logger: console,
      });

    it('creates every event and dead-letter topic with the configured partitions, and check mode then finds them', async () => {
      const namespace = `t${newId().replace(/-/g, '')}`;
      const checking = provisioner(namespace, 'check');
      await checking.whenLooked();
      expect(() => checking.check()).toThrow(`Kafka topics missing: ${namespace}.intake.events, ${namespace}.intake.events.dlq`);
      checking.close();

      const creating = provisioner(namespace, 'create');
      await creating.whenLooked();
      expect(creating.state).toEqual({ kind: 'ready' });
      creating.close();
      const admin = createKafkaClient({ brokers }).admin();
      await admin.connect();
      try {
        const { topics } = await admin.fetchTopicMetadata({ topics: [`${namespace}.routing.events`, `${namespace}.routing.events.dlq`] });
        expect(topics.map(({ name, partitions }) => [name, partitions.length])).toEqual([
          [`${namespace}.routing.events`, 4],
          [`${namespace}.routing.events.dlq`, 2],
        ]);
      } finally {
        await admin.disconnect();
      }

      const checkingAgain = provisioner(namespace, 'check');
      await checkingAgain.whenLooked();
      expect(checkingAgain.state).toEqual({ kind: 'ready' });
      checkingAgain.close();
    });
  });
});
