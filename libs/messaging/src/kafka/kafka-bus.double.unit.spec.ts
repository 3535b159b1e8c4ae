// The bus contract against the Kafka transport over InMemoryKafka, a double of kafkajs's API, not
// a broker. What this proves: our adapter code (relay → codec → KafkaBusServer → group consumer →
// processor → dead letters) keeps the contract given kafkajs's documented consumer semantics as
// the double models them (one message at a time per partition, manual commits, re-fetch from the
// committed offset after eachMessage throws). What it does not prove: Kafka's own semantics —
// real partition assignment, rebalances between members, session timeouts, the idempotent
// producer. kafka-bus.containers.int.spec.ts runs the same contract against a real broker.
import { ManualClock } from '@ticketing/kernel';
import { describeBusContract } from '../bus.contract';
import { idle } from '../embedded/embedded-bus.fixtures';
import { kafkaBusHarness } from './test-support/kafka-bus.harness';
import { InMemoryKafka } from './test-support/in-memory-kafka.double';

describeBusContract('Kafka transport on an in-memory kafkajs double', () =>
  kafkaBusHarness({
    kafka: new InMemoryKafka(),
    clock: new ManualClock('2026-05-01T00:00:00.000Z'),
    namespace: 'double',
    async eventually(condition, what) {
      for (let turn = 0; turn < 5_000; turn++) {
        if (await condition()) return;
        await new Promise((resolve) => setImmediate(resolve));
      }
      throw new Error(`Timed out waiting for ${what}`);
    },
    quiesce: () => idle(200),
  }),
);
