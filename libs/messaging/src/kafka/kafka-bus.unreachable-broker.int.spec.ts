// The real kafkajs client against two protocol-level failures, with no broker: a port nobody
// listens on (connection refused) and a TCP server that accepts and drops every connection before
// answering (connection closed mid-request). What this proves: kafkajs's errors reach our code as
// reported failures — readiness fails, the group consumers keep restarting, the relay retries
// without moving its checkpoint, the ops calls reject — and nothing hangs. What it does not prove:
// anything a broker answering the protocol would do (consumer-crash restarts, rebalances, commits);
// kafka-bus.containers.int.spec.ts covers that where a container engine exists.
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Kafka, logLevel } from 'kafkajs';
import { ManualClock } from '@ticketing/kernel';
import { MemoryEventStore } from '@ticketing/event-store';
import { BusExceptionFilter } from '../bus-exception.filter';
import { appendOne, BusTestModule, Probe } from '../embedded/embedded-bus.fixtures';
import { MemoryConsumerStateStore } from '../memory-consumer-state-store.adapter';
import { EventRelay, relayCheckpointName } from '../relay/event.relay';
import { KafkaRelayPublisher } from '../relay/kafka-relay.publisher';
import { KafkaBusServer, type KafkaBusStatus } from './kafka-bus.server';
import { BUS_TEST_EVENT_CONTEXTS } from './test-support/kafka-bus.harness';

const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** Wait for real I/O (sockets) to produce an outcome; bounded so a hang fails the test. */
async function eventually(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe.each([
  ['a refused connection', 'refused'],
  ['a connection dropped before the answer', 'dropped'],
] as const)('Kafka adapters on real kafkajs with %s', (_label, mode) => {
  let tcp: Server;
  let sockets: Socket[];
  let brokers: string[];
  let clock: ManualClock;
  let kafka: Kafka;
  let app: INestMicroservice | undefined;

  beforeEach(async () => {
    sockets = [];
    tcp = createServer((socket) => {
      sockets.push(socket);
      socket.once('data', () => socket.destroy());
    });
    const port = await listen(tcp);
    if (mode === 'refused') await new Promise<void>((resolve) => tcp.close(() => resolve()));
    brokers = [`127.0.0.1:${port}`];
    clock = new ManualClock('2026-07-01T00:00:00.000Z');
    kafka = new Kafka({ clientId: 'unreachable-spec', brokers, retry: { retries: 0 }, connectionTimeout: 500, requestTimeout: 500, logLevel: logLevel.NOTHING });
  });

  afterEach(async () => {
    await app?.close();
    app = undefined;
    for (const socket of sockets) socket.destroy();
    if (tcp.listening) await new Promise<void>((resolve) => tcp.close(() => resolve()));
  });

  it('the bus boots, fails readiness, reports the kafkajs error per group and keeps restarting; close() does not hang', async () => {
    const server = new KafkaBusServer({
      brokers,
      kafka,
      groupIdPrefix: 'svc',
      eventContexts: BUS_TEST_EVENT_CONTEXTS,
      clock,
      restartDelayMs: 1_000,
    });
    const errors: Array<[string, unknown]> = [];
    const statuses: KafkaBusStatus[] = [];
    server.on('error', (error, group) => errors.push([group, error]));
    server.status.subscribe((status) => statuses.push(status));
    app = await NestFactory.createMicroservice(BusTestModule.with(new Probe()), { strategy: server, logger: false });
    app.useGlobalFilters(new BusExceptionFilter());
    await app.listen();

    await eventually(() => new Set(errors.map(([group]) => group)).size === 3, 'every group reporting its failure');
    expect(server.isHealthy()).toBe(false);
    expect(statuses.at(-1)).toBe('degraded');
    for (const [, error] of errors) expect((error as Error).name).toMatch(/^KafkaJS/);
    await eventually(() => clock.pendingSleeps === 3, 'every group waiting to restart');

    // The wait is on the injected clock: advancing it makes each group try again.
    const before = errors.length;
    clock.advance(1_000);
    await eventually(() => errors.length >= before + 3, 'a second round of attempts');
    expect(server.isHealthy()).toBe(false);

    // Status comes from what the consumers saw: it answers (not running, nothing known) without the broker.
    expect(await server.groupStatus()).toEqual(expect.arrayContaining([expect.objectContaining({ running: false, lag: 0 })]));
    await expect(server.listDeadLetters()).rejects.toThrow(/KafkaJS|connect|Connection/i);
    await app.close();
    app = undefined;
    expect(statuses.at(-1)).toBe('stopped');
  });

  it('the relay retries a publish kafkajs could not deliver and does not move its checkpoint', async () => {
    const store = new MemoryEventStore({ clock });
    const checkpoints = new MemoryConsumerStateStore();
    const publisher = new KafkaRelayPublisher({ kafka, retry: { retries: 1, initialRetryTime: 10 }, logger: silent });
    const relay = new EventRelay({ eventStore: store, publisher, checkpoints, contexts: ['intake'], clock, logger: silent });
    relay.start();
    await appendOne(store, 'ticket-1', 'TicketOpened');
    await eventually(() => relay.state === 'retrying' && clock.pendingSleeps === 1, 'the relay retrying');
    expect((await relay.status()).lastError).toMatch(/connect|Connection|closed/i);
    expect(await checkpoints.loadCheckpoint(relayCheckpointName('intake'))).toBe(0);
    expect(relay.isHealthy()).toBe(false);
    await relay.stop();
    await publisher.close();
    await store.close();
  });
});
