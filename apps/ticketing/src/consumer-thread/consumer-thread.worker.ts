import 'reflect-metadata';
import { parentPort, workerData } from 'node:worker_threads';
import { connectBusMicroservice } from '@ticketing/messaging';
import { createHttpApp } from '@ticketing/platform';
import { TicketingRuntime } from '@ticketing/runtime';
import { CONSUMER_CONTEXT_MODULES } from '../contexts';
import { TicketingAppModule } from '../ticketing-app.module';
import type { ConsumerThreadData, FromConsumerThread, ToConsumerThread } from './consumer-thread.messages';

/**
 * The consumer thread of `ticketing start`: the bus-only contexts on their own runtime (their own
 * SQLite connections to the same files), consuming the embedded bus. It serves nothing over HTTP:
 * the app is built for its module graph and never listens.
 */
async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('consumer-thread.worker must run as a worker thread');
  const send = (message: FromConsumerThread) => port.postMessage(message);
  const { config } = workerData as ConsumerThreadData;
  try {
    const runtime = await TicketingRuntime.open({ config, projections: [], relayContexts: [], name: 'consumers' });
    const app = await createHttpApp(TicketingAppModule.forRuntime(runtime, CONSUMER_CONTEXT_MODULES), config);
    connectBusMicroservice(app, runtime.bus);
    await app.startAllMicroservices();
    port.on('message', (message: ToConsumerThread) => {
      switch (message.type) {
        case 'status':
          void runtime.bus.groupStatus().then(
            (groups) => send({ type: 'status', id: message.id, status: { healthy: runtime.bus.isHealthy(), groups } }),
            () => send({ type: 'status', id: message.id, status: { healthy: false, groups: [] } }),
          );
          return;
        case 'stop':
          // Closing the app drains in-flight handlers, then closes the bus and the stores.
          void app.close().finally(() => port.close());
          return;
      }
    });
    send({ type: 'ready' });
  } catch (error) {
    send({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    port.close();
  }
}

void main();
