// `ticketing start` on TICKETING_BUS=kafka://…: every context in one process, exchanging events
// through the broker (kafkajs replaced by the messaging lib's in-memory double; no broker runs here).
import { topicOf } from '@ticketing/contracts';
import { EVENT_HEADERS } from '@ticketing/messaging';
import { InMemoryKafka } from '../../../libs/messaging/src/kafka/test-support/in-memory-kafka.double';
import { TicketingHarness } from './test-support/ticketing.harness';

const KAFKA_ENV = { TICKETING_BUS: 'kafka://kafka.test:9092' };
const chat = (n: number) => ({ channel: 'chat', subject: `Withdrawal ${n}`, body: 'My BTC withdrawal is pending for 3 hours', language: 'en', chat: { sessionId: `chat-${n}` } });

describe('ticketing start on a Kafka bus', () => {
  let kafka: InMemoryKafka;
  let harness: TicketingHarness;

  beforeEach(async () => {
    kafka = new InMemoryKafka();
    harness = await TicketingHarness.start({ env: KAFKA_ENV, kafka });
  });

  afterEach(() => harness?.close());

  it('relays every context it composes and queues every opened ticket through the broker', async () => {
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
    expect(relays.map(({ context }) => context).sort()).toEqual(['intake', 'routing']);
  });
});
