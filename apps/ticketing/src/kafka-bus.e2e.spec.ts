// `ticketing start` on TICKETING_BUS=kafka://…: every context in one process, exchanging events
// through the broker (kafkajs replaced by the messaging lib's in-memory double; no broker runs here).
import { TOPIC_CONTEXTS, topicOf } from '@ticketing/contracts';
import { ManualClock } from '@ticketing/kernel';
import { EVENT_HEADERS } from '@ticketing/messaging';
import { InMemoryKafka } from '../../../libs/messaging/src/kafka/test-support/in-memory-kafka.double';
import { CONTEXTS } from './contexts';
import { TicketingHarness } from './test-support/ticketing.harness';

const KAFKA_ENV = { TICKETING_BUS: 'kafka://kafka.test:9092' };
const chat = (n: number) => ({ channel: 'chat', subject: `Withdrawal ${n}`, body: 'My BTC withdrawal is pending for 3 hours', language: 'en', chat: { sessionId: `chat-${n}` } });

// From the contracts: a context added later brings its topic here too.
const EVENT_TOPICS = TOPIC_CONTEXTS.map(topicOf);

async function eventually(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 2_000; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

describe('ticketing start on a Kafka bus', () => {
  let kafka: InMemoryKafka;
  let harness: TicketingHarness;

  beforeEach(async () => {
    kafka = new InMemoryKafka();
    // As production brokers are set up: a topic nobody created does not appear by itself.
    kafka.autoCreateTopics = false;
  });

  afterEach(() => harness?.close());

  const start = async (env: NodeJS.ProcessEnv = {}, clock?: ManualClock) => {
    harness = await TicketingHarness.start({ env: { ...KAFKA_ENV, ...env }, kafka, clock });
    return harness;
  };

  const readiness = async () => {
    const reply = await harness.request('GET', '/health/ready');
    return { status: reply.status, text: JSON.stringify(reply.body) };
  };

  it('relays every context it composes and queues every opened ticket through the broker', async () => {
    await start();
    const customer = await harness.token('customer', 'cust-kafka');
    const ids: string[] = [];
    for (let n = 0; n < 20; n++) {
      const opened = await harness.request('POST', '/v1/tickets', { token: customer, body: chat(n) });
      expect(opened.status).toBe(201);
      ids.push((opened.body as { id: string }).id);
    }
    for (const id of ids) await harness.ticketQueued(id);

    const typesOn = (topic: string, id: string) =>
      kafka
        .messages(topic)
        .filter((message) => message.key?.toString() === id)
        .map((message) => message.headers[EVENT_HEADERS.eventType]?.toString());
    for (const id of ids) expect(typesOn(topicOf('intake'), id)).toContain('TicketOpened');
    // Routing consumed TicketOpened from intake's topic, so its group committed there.
    expect(kafka.committedOffset('ticketing.routing', topicOf('intake'), kafka.partitionOf(topicOf('intake'), ids[0]))).toBeGreaterThan(0);
    const relays = await harness.runtime.relay!.status();
    // Every context composed owns streams (audit: who read what), so each has a relay.
    expect(relays.map(({ context }) => context).sort()).toEqual(CONTEXTS.map((context) => context.name).sort());
  });

  it('carries personal data sealed on the topic; consumers get it opened (routing classifies the text)', async () => {
    await start();
    const customer = await harness.token('customer', 'cust-sealed');
    const opened = await harness.request('POST', '/v1/tickets', { token: customer, body: { channel: 'chat', body: 'Someone logged into my account and withdrew all my funds, please freeze it now', chat: { sessionId: 'chat-sealed' } } });
    const id = (opened.body as { id: string }).id;
    await harness.ticketQueued(id);
    const onTopic = kafka.messages(topicOf('intake')).filter((message) => message.key?.toString() === id);
    expect(onTopic).toHaveLength(1);
    const value = onTopic[0].value!.toString();
    expect(value).not.toContain('withdrew all my funds');
    expect(value).toContain('"pd":1');
    // Routing read TicketOpened from the topic and classified the body it could only see opened.
    const ticket = (await harness.request('GET', `/v1/tickets/${id}`, { token: customer })).body as { category: string; priority: string };
    expect(ticket).toMatchObject({ category: 'security_incident', priority: 'emergency' });
  });

  it('creates the missing topics at start-up with the configured partitions (TICKETING_KAFKA_TOPICS=create, the default)', async () => {
    await start({ TICKETING_KAFKA_TOPIC_PARTITIONS: '8', TICKETING_KAFKA_DLQ_PARTITIONS: '2', TICKETING_KAFKA_REPLICATION_FACTOR: '1' });
    await eventually(() => EVENT_TOPICS.every((topic) => kafka.hasTopic(`${topic}.dlq`)), 'every topic created');
    for (const topic of EVENT_TOPICS) {
      expect(kafka.partitionsOf(topic)).toHaveLength(8);
      expect(kafka.partitionsOf(`${topic}.dlq`)).toHaveLength(2);
      expect(kafka.replicationFactors.get(topic)).toBe(1);
    }
    await eventually(async () => (await readiness()).status === 200, 'ready');
  });

  it('relays nothing before the topics were looked at, so no broker auto-creates one with its own partition count', async () => {
    kafka.autoCreateTopics = true;
    kafka.unreachable = true;
    await start();
    const customer = await harness.token('customer', 'cust-first-look');
    const opened = await harness.request('POST', '/v1/tickets', { token: customer, body: chat(1) });
    expect(opened.status).toBe(201);
    expect((await harness.runtime.relay!.status()).map(({ role }) => role)).toEqual(CONTEXTS.map(() => 'starting'));
    expect(kafka.sends).toHaveLength(0);

    kafka.unreachable = false;
    await harness.ticketQueued((opened.body as { id: string }).id);
    for (const topic of EVENT_TOPICS) expect(kafka.partitionsOf(topic)).toHaveLength(12);
  });

  it('with TICKETING_KAFKA_TOPICS=check, is not ready while a topic is missing, names it, keeps taking writes, and is ready once it appears', async () => {
    for (const topic of EVENT_TOPICS) kafka.createTopic(topic, 12);
    for (const topic of EVENT_TOPICS.filter((t) => t !== 'ticketing.sla.events')) kafka.createTopic(`${topic}.dlq`, 3);
    const clock = new ManualClock(new Date());
    await start({ TICKETING_KAFKA_TOPICS: 'check' }, clock);
    await eventually(async () => (await readiness()).text.includes('Kafka topics missing: ticketing.sla.events.dlq'), 'readiness naming the topic');
    expect((await readiness()).status).toBe(503);
    expect(kafka.hasTopic('ticketing.sla.events.dlq')).toBe(false);
    const customer = await harness.token('customer', 'cust-check');
    expect((await harness.request('POST', '/v1/tickets', { token: customer, body: chat(1) })).status).toBe(201);

    kafka.createTopic('ticketing.sla.events.dlq', 3);
    clock.advance(5_000);
    await eventually(async () => (await readiness()).status === 200, 'ready once the topic exists');
  });

  it('answers /metrics from what the consumers saw, without asking a broker that no longer answers', async () => {
    await start();
    const customer = await harness.token('customer', 'cust-metrics');
    const opened = await harness.request('POST', '/v1/tickets', { token: customer, body: chat(1) });
    await harness.ticketQueued((opened.body as { id: string }).id);

    kafka.unreachable = true;
    const adminCalls = kafka.adminCalls.length;
    // A scrape that waited on the broker would never answer: the double holds every call. The
    // 5 s abort only turns that hang into a clear failure; the scrape itself takes milliseconds.
    const response = await fetch(`${harness.baseUrl}/metrics`, { signal: AbortSignal.timeout(5_000) });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(/ticketing_consumer_lag_events\{group="routing"\} 0/);
    expect(text).toMatch(/ticketing_relay_lag_events\{context="intake"\} \d+/);
    expect(kafka.adminCalls).toHaveLength(adminCalls);
    kafka.unreachable = false;
  });

  it('keeps taking writes with the broker down, and fails readiness once the relay is TICKETING_RELAY_MAX_LAG behind, until it catches up', async () => {
    await start({ TICKETING_RELAY_MAX_LAG: '5' });
    await eventually(async () => (await readiness()).status === 200, 'ready');
    const customer = await harness.token('customer', 'cust-outage');
    kafka.unreachable = true;
    const ids: string[] = [];
    for (let n = 0; n < 3; n++) {
      const opened = await harness.request('POST', '/v1/tickets', { token: customer, body: chat(n) });
      expect(opened.status).toBe(201);
      ids.push((opened.body as { id: string }).id);
    }
    // A few events behind: under the threshold, still ready.
    const lagOf = async () => (await harness.runtime.relay!.status()).find(({ context }) => context === 'intake')?.lag ?? 0;
    expect(await lagOf()).toBeGreaterThan(0);
    expect(await lagOf()).toBeLessThanOrEqual(5);
    expect((await readiness()).status).toBe(200);

    for (let n = 3; n < 8; n++) {
      const opened = await harness.request('POST', '/v1/tickets', { token: customer, body: chat(n) });
      expect(opened.status).toBe(201);
      ids.push((opened.body as { id: string }).id);
    }
    expect(await lagOf()).toBeGreaterThan(5);
    const down = await readiness();
    expect(down.status).toBe(503);
    expect(down.text).toMatch(/relay intake is \d+ events behind \(TICKETING_RELAY_MAX_LAG=5\)/);
    expect(await (await fetch(`${harness.baseUrl}/metrics`)).text()).toMatch(/ticketing_relay_lag_events\{context="intake"\} ([6-9]|\d{2,})/);

    kafka.unreachable = false;
    for (const id of ids) await harness.ticketQueued(id);
    await eventually(async () => (await readiness()).status === 200, 'ready after the relay caught up');
  });
});
