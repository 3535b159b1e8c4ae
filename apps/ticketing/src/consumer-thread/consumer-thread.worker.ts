import 'reflect-metadata';
import { parentPort, workerData } from 'node:worker_threads';
import { composeContexts } from '@ticketing/runtime';
import { CONTEXTS } from '../contexts';
import type { ConsumerThreadData, FromConsumerThread, ToConsumerThread } from './consumer-thread.messages';

/**
 * The consumer thread of `ticketing start`: the bus-only contexts it was given, composed on their
 * own runtime (their own SQLite connections to the same files), consuming the embedded bus and
 * running the projections nobody waits for (a failed one makes the thread unhealthy, so not
 * ready). It serves nothing over HTTP: the app never listens.
 */
async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('consumer-thread.worker must run as a worker thread');
  const send = (message: FromConsumerThread) => port.postMessage(message);
  const { config, contexts } = workerData as ConsumerThreadData;
  try {
    const { app, runtime } = await composeContexts({
      name: 'consumers',
      contexts: CONTEXTS.filter((context) => contexts.includes(context.name)),
      config,
      mode: 'consume',
    });
    port.on('message', (message: ToConsumerThread) => {
      switch (message.type) {
        case 'status':
          void Promise.all([runtime.bus.groupStatus(), runtime.projections.status()]).then(
            ([groups, projections]) =>
              send({ type: 'status', id: message.id, status: { healthy: runtime.bus.isHealthy() && projections.every((projection) => projection.state !== 'failed'), groups } }),
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
