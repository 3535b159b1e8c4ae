import { ManualClock } from '@ticketing/kernel';
import { KafkaTopicProvisioner, type KafkaTopicMode } from './kafka-topic.provisioner';
import { KafkaTopology } from './kafka-topology';
import { InMemoryKafka } from './test-support/in-memory-kafka.double';

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1_000 && !condition(); i++) await new Promise((resolve) => setImmediate(resolve));
  if (!condition()) throw new Error('condition never held');
}

describe('KafkaTopicProvisioner', () => {
  let kafka: InMemoryKafka;
  let clock: ManualClock;
  let provisioner: KafkaTopicProvisioner | undefined;
  const topology = new KafkaTopology();

  beforeEach(() => {
    kafka = new InMemoryKafka();
    kafka.autoCreateTopics = false;
    clock = new ManualClock();
  });

  afterEach(() => provisioner?.close());

  const provision = (mode: KafkaTopicMode, replicationFactor?: number) =>
    (provisioner = new KafkaTopicProvisioner({
      kafka,
      topology,
      mode,
      partitions: 12,
      deadLetterPartitions: 3,
      replicationFactor,
      clock,
      recheckMs: 5_000,
      logger: quiet,
    }));

  it('creates every missing event topic with the configured partitions and replicas, and its dead-letter topic', async () => {
    kafka.createTopic('ticketing.intake.events', 12);
    const topics = provision('create', 3);
    await topics.whenLooked();
    expect(topics.state).toEqual({ kind: 'ready' });
    expect(() => topics.check()).not.toThrow();
    for (const topic of topology.eventTopics()) {
      expect(kafka.partitionsOf(topic)).toHaveLength(12);
      expect(kafka.partitionsOf(`${topic}.dlq`)).toHaveLength(3);
    }
    expect(kafka.replicationFactors.get('ticketing.routing.events')).toBe(3);
    expect(kafka.replicationFactors.has('ticketing.intake.events')).toBe(false);
  });

  it("leaves the replication factor to the broker's default when none is configured", async () => {
    await provision('create').whenLooked();
    expect(kafka.replicationFactors.get('ticketing.intake.events')).toBe(-1);
  });

  it('in check mode creates nothing and fails readiness naming the missing topics until they appear', async () => {
    for (const topic of topology.eventTopics()) kafka.createTopic(topic);
    kafka.createTopic('ticketing.intake.events.dlq');
    const topics = provision('check');
    await topics.whenLooked();
    expect(kafka.hasTopic('ticketing.routing.events.dlq')).toBe(false);
    expect(() => topics.check()).toThrow(/^Kafka topics missing: ticketing\.routing\.events\.dlq, ticketing\.sla\.events\.dlq, .*TICKETING_KAFKA_TOPICS=check/);
    expect(() => topics.check()).not.toThrow(/ticketing\.intake\.events\.dlq/);

    for (const topic of topology.eventTopics()) kafka.createTopic(`${topic}.dlq`);
    expect(() => topics.check()).toThrow(/missing/);
    await until(() => clock.pendingSleeps === 1);
    clock.advance(5_000);
    await until(() => topics.state.kind === 'ready');
    expect(() => topics.check()).not.toThrow();
  });

  it('does not fail readiness while the broker does not answer, and finishes once it does', async () => {
    kafka.unreachable = true;
    const topics = provision('create');
    const looked = topics.whenLooked();
    await until(() => kafka.adminCalls.includes('connect'));
    expect(topics.state.kind).toBe('unknown');
    expect(() => topics.check()).not.toThrow();
    kafka.unreachable = false;
    await looked;
    expect(topics.state).toEqual({ kind: 'ready' });
  });

  it('reports a failed creation as missing topics, with the reason', async () => {
    const createTopics = jest.fn().mockRejectedValue(new Error('Replication factor: 3 larger than available brokers: 1'));
    const admin = kafka.admin();
    jest.spyOn(kafka, 'admin').mockReturnValue({ ...admin, createTopics } as unknown as ReturnType<InMemoryKafka['admin']>);
    const topics = provision('create', 3);
    await topics.whenLooked();
    expect(() => topics.check()).toThrow(/^Kafka topics missing: ticketing\.intake\.events, .*creating them failed: Replication factor: 3 larger/);
  });
});
