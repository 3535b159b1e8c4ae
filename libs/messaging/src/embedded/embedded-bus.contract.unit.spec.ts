import type { INestMicroservice } from '@nestjs/common';
import { ManualClock } from '@ticketing/kernel';
import { MemoryEventStore } from '@ticketing/event-store';
import { CONTRACT_RETRY, describeBusContract, type BusContractHarness } from '../bus.contract';
import { MemoryConsumerStateStore } from '../memory-consumer-state-store.adapter';
import { appendOne, bootBus, idle, Probe } from './embedded-bus.fixtures';
import type { EmbeddedBusServer } from './embedded-bus.server';

async function embeddedHarness(): Promise<BusContractHarness> {
  const clock = new ManualClock('2026-05-01T00:00:00.000Z');
  const store = new MemoryEventStore({ clock });
  const state = new MemoryConsumerStateStore();
  const probe = new Probe();
  let running: { app: INestMicroservice; server: EmbeddedBusServer } | undefined;
  let server: EmbeddedBusServer | undefined;
  return {
    probe,
    async start() {
      running = await bootBus(probe, { eventStore: store, state, clock, retry: CONTRACT_RETRY });
      server = running.server;
    },
    async stop() {
      await running?.app.close();
      running = undefined;
    },
    append: (stream, type) => appendOne(store, stream, type),
    deadLetters: () => (server ? server.listDeadLetters() : state.listParked()),
    async eventually(condition, what) {
      for (let turn = 0; turn < 2_000; turn++) {
        if (await condition()) return;
        await new Promise((resolve) => setImmediate(resolve));
      }
      throw new Error(`Timed out waiting for ${what}`);
    },
    quiesce: () => idle(100),
    async dispose() {
      clock.advance(3_600_000);
      await running?.app.close();
      await store.close();
    },
  };
}

describeBusContract('embedded bus (memory event store)', embeddedHarness);
