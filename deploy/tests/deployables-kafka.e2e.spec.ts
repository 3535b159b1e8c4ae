// The production path between deployables — relay → Kafka topic → consumer group → handler —
// with kafkajs replaced by the messaging lib's in-memory double (no broker runs here). The event
// store is the embedded SQLite file the two services share, as KurrentDB is shared in production.
import { topicOf } from '@ticketing/contracts';
import { EVENT_HEADERS } from '@ticketing/messaging';
import { InMemoryKafka } from '../../libs/messaging/src/kafka/test-support/in-memory-kafka.double';
import { INTAKE_SERVICE } from '../../apps/intake/src/intake.service';
import { ROUTING_SERVICE } from '../../apps/routing/src/routing.service';
import { defineService, KAFKA_GROUP_ID_PREFIX } from '@ticketing/runtime';
import { SLA_SERVICE } from '../../apps/sla/src/sla.service';
import { newDataDir, ServiceHarness } from './support/service.harness';

const ticket = { channel: 'chat', subject: 'Withdrawal stuck', body: 'My BTC withdrawal is pending for 3 hours', language: 'en', chat: { sessionId: 'chat-1' } };
const KAFKA_ENV = { TICKETING_BUS: 'kafka://kafka.test:9092' };

describe('deployables on TICKETING_BUS=kafka://… (kafkajs double)', () => {
  let kafka: InMemoryKafka;
  let intake: ServiceHarness;
  let routing: ServiceHarness;

  beforeEach(async () => {
    kafka = new InMemoryKafka();
    for (const context of ['intake', 'routing'] as const) kafka.createTopic(topicOf(context), 12);
    const dataDir = await newDataDir();
    intake = await ServiceHarness.start(INTAKE_SERVICE, { dataDir, env: KAFKA_ENV, kafka });
    routing = await ServiceHarness.start(ROUTING_SERVICE, { dataDir, env: KAFKA_ENV, kafka });
  });

  afterEach(async () => {
    await routing?.close();
    await intake?.close();
  });

  it('intake relays its events to its topic, keyed by ticket id; routing consumes them from Kafka and relays its own', async () => {
    const customer = await intake.token('customer', 'cust-k');
    const opened = await intake.request('POST', '/v1/tickets', { token: customer, body: ticket });
    expect(opened.status).toBe(201);
    const { id } = opened.body as { id: string };

    const queued = await routing.nextEvent(`routing-${id}`, 'TicketQueued');
    expect(queued.data).toMatchObject({ ticketId: id, queue: 'security-emergency' });
    await intake.runtime.projections.waitFor(queued.globalPosition);
    expect(((await intake.request('GET', `/v1/tickets/${id}`, { token: customer })).body as { queue: string }).queue).toBe('security-emergency');

    const onIntakeTopic = kafka.messages(topicOf('intake')).filter((message) => message.key?.toString() === id);
    expect(onIntakeTopic.map((message) => message.headers[EVENT_HEADERS.eventType]?.toString())).toContain('TicketOpened');
    // Routing's consumer group is routing's own Kafka group, and it read intake's topic.
    const partition = kafka.partitionOf(topicOf('intake'), id);
    expect(kafka.committedOffset(`${KAFKA_GROUP_ID_PREFIX}.routing`, topicOf('intake'), partition)).toBeGreaterThan(0);
    // Each service relays only its own streams.
    await waitFor(() => kafka.messages(topicOf('routing')).some((message) => message.key?.toString() === id));
    expect(kafka.messages(topicOf('routing')).every((message) => ['TicketClassified', 'TicketQueued'].includes(message.headers[EVENT_HEADERS.eventType]?.toString() ?? ''))).toBe(true);
    expect(kafka.messages(topicOf('intake')).every((message) => message.headers[EVENT_HEADERS.eventType]?.toString() !== 'TicketQueued')).toBe(true);

    expect((await intake.runtime.relay!.status()).map(({ context, role }) => ({ context, role }))).toEqual([{ context: 'intake', role: 'leader' }]);
    expect((await routing.runtime.relay!.status()).map(({ context, role }) => ({ context, role }))).toEqual([{ context: 'routing', role: 'leader' }]);
    const metrics = (await intake.request('GET', '/metrics')).body as string;
    expect(metrics).toContain('ticketing_relay_leader{context="intake"} 1');
  });

  it('keeps taking tickets while the broker refuses writes, then delivers each exactly as it was: no loss, duplicates absorbed', async () => {
    const customer = await intake.token('customer', 'cust-down');
    // Written by the broker but never acknowledged: the relay must publish them again.
    kafka.failNextSends(2, new Error('NOT_ENOUGH_REPLICAS'), true);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const opened = await intake.request('POST', '/v1/tickets', { token: customer, body: { ...ticket, chat: { sessionId: `chat-${i}` } } });
      expect(opened.status).toBe(201);
      ids.push((opened.body as { id: string }).id);
    }
    expect((await intake.request('GET', '/health/ready')).status).toBe(200);
    for (const id of ids) await routing.nextEvent(`routing-${id}`, 'TicketQueued');
    for (const id of ids) {
      const events = [];
      for await (const event of routing.runtime.eventStore.readStream(`routing-${id}`)) events.push(event.type);
      expect(events).toEqual(['TicketClassified', 'TicketQueued']);
    }
    const published = kafka.messages(topicOf('intake')).filter((message) => ids.includes(message.key?.toString() ?? ''));
    expect(published.length).toBeGreaterThan(ids.length);
  });

  it('a service without a context module relays nothing and consumes nothing on Kafka', async () => {
    const audit = await ServiceHarness.start(defineService({ name: 'audit', contexts: [] }), { env: KAFKA_ENV, kafka });
    try {
      expect(audit.runtime.relay).toBeUndefined();
      expect(await audit.runtime.bus.groupStatus()).toEqual([]);
      expect((await audit.request('GET', '/health/ready')).status).toBe(200);
    } finally {
      await audit.close();
    }
  });

  it('sla consumes intake’s and routing’s topics and relays its clocks to its own, keyed by ticket id', async () => {
    kafka.createTopic(topicOf('sla'), 12);
    const sla = await ServiceHarness.start(SLA_SERVICE, { dataDir: intake.dataDir, env: KAFKA_ENV, kafka });
    try {
      const customer = await intake.token('customer', 'cust-sla');
      const opened = await intake.request('POST', '/v1/tickets', { token: customer, body: { ...ticket, chat: { sessionId: 'chat-sla' } } });
      const { id } = opened.body as { id: string };
      const applied = await sla.nextEvent(`sla-${id}`, 'SlaPolicyApplied', (event) => (event.data as { because: string }).because === 'classified');
      expect(applied.data).toMatchObject({ ticketId: id, priority: 'emergency', category: 'withdrawal_issue' });
      await waitFor(() => kafka.messages(topicOf('sla')).some((message) => message.key?.toString() === id));
      expect(kafka.messages(topicOf('sla')).every((message) => message.headers[EVENT_HEADERS.eventType]?.toString().startsWith('Sla'))).toBe(true);
      const partition = kafka.partitionOf(topicOf('routing'), id);
      await waitFor(() => (kafka.committedOffset(`${KAFKA_GROUP_ID_PREFIX}.sla`, topicOf('routing'), partition) ?? 0) > 0);
    } finally {
      await sla.close();
    }
  });
});

/** Resolves once `condition` holds, checking whenever the event loop is idle (bounded). */
async function waitFor(condition: () => boolean, attempts = 2_000): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('condition never held');
}
