/*
 * The shared EventStore contract suite against a real KurrentDB (or EventStoreDB) server in a
 * container, started with testcontainers' GenericContainer. Runs wherever a container engine
 * answers; where none does, every test is registered with describe.skip — Jest reports them as
 * skipped, never as passed — and the reason is printed.
 *
 * Why GenericContainer and not @testcontainers/kurrentdb: that module's only published version is
 * 12, which requires Node 22 (this repository runs on Node 20, with testcontainers 11.7.1).
 *
 * The image is TICKETING_KURRENTDB_IMAGE, default docker.kurrent.io/kurrent-latest/kurrentdb:latest
 * (eventstore/eventstore:24.10 works too: the settings' prefix follows the image). The server runs
 * insecure and in memory; one container serves the whole file, and each test gets a fresh, empty
 * store through its own stream namespace.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { ManualClock, type EventMetadata } from '@ticketing/kernel';
import { describeWithContainerEngine } from '@ticketing/testing';
import { verifyChainAsync } from '../hash-chain';
import { eventStoreContract } from '../testing';
import { KurrentDbEventStore } from './kurrentdb-event-store.adapter';

const IMAGE = process.env['TICKETING_KURRENTDB_IMAGE'] ?? 'docker.kurrent.io/kurrent-latest/kurrentdb:latest';
const PREFIX = /eventstore/i.test(IMAGE) ? 'EVENTSTORE' : 'KURRENTDB';

describeWithContainerEngine(`KurrentDbEventStore against a real server (${IMAGE})`, () => {
  let container: StartedTestContainer | undefined;
  let connectionString = '';

  beforeAll(async () => {
    container = await new GenericContainer(IMAGE)
      .withEnvironment({
        [`${PREFIX}_INSECURE`]: 'true',
        [`${PREFIX}_MEM_DB`]: 'true',
        [`${PREFIX}_RUN_PROJECTIONS`]: 'None',
      })
      .withExposedPorts(2113)
      .withWaitStrategy(Wait.forHttp('/health/live', 2113).forStatusCodeMatching((code) => code >= 200 && code < 300))
      .withStartupTimeout(180_000)
      .start();
    connectionString = `kurrentdb://${container.getHost()}:${container.getMappedPort(2113)}?tls=false`;
  }, 300_000);

  afterAll(async () => {
    await container?.stop();
  });

  eventStoreContract(
    'kurrentdb (real server)',
    async (options) => ({
      store: new KurrentDbEventStore({ ...options, connectionString, streamNamespace: `contract-${randomUUID()}/` }),
    }),
    { densePositions: false, storeWideEventIds: false },
  );

  describe('what only a real server can answer', () => {
    const metadata: EventMetadata = {
      ticketId: 't-1',
      correlationId: 'c-1',
      causationId: 'c-1',
      actor: { kind: 'agent', id: 'a-1' },
      occurredAt: '2026-01-01T00:00:00.000Z',
    };

    it('reports the same position for an event on stream reads, $all reads and the append, and skips its own $ events', async () => {
      const store = new KurrentDbEventStore({ connectionString, clock: new ManualClock(), streamNamespace: `real-${randomUUID()}/` });
      try {
        const batch = Array.from({ length: 3 }, (_, i) => ({ id: randomUUID(), type: 'TicketNoted', schemaVersion: 1, data: { i }, metadata }));
        const result = await store.append('ticket-1', batch, { expectedRevision: 'no_stream' });
        const fromStream: number[] = [];
        for await (const event of store.readStream('ticket-1')) fromStream.push(event.globalPosition);
        const fromAll: number[] = [];
        for await (const event of store.readAll()) fromAll.push(event.globalPosition);

        expect(fromAll).toEqual(fromStream);
        expect(result.lastGlobalPosition).toBe(fromStream[2]);
        expect(await store.headPosition()).toBe(fromStream[2]);
        expect(await verifyChainAsync(store.readStream('ticket-1'))).toMatchObject({ valid: true, eventsChecked: 3 });
        // A retry of the same append (same ids, same expectation) answers the same, writing nothing.
        expect(await store.append('ticket-1', batch, { expectedRevision: 'no_stream' })).toEqual(result);
      } finally {
        await store.close();
      }
    });
  });
});
