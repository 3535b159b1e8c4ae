import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Logger } from '@nestjs/common';
import { SystemClock, type Clock } from '@ticketing/kernel';
import type { ContextName } from '@ticketing/contracts';
import type { TicketingConfig } from '@ticketing/platform';
import type { ConsumerThreadData, ConsumerThreadStatus, FromConsumerThread, ToConsumerThread } from './consumer-thread.messages';

// The worker runs compiled code from dist/, like the CLI: it first points @ticketing/* at dist/.
// From dist/apps/ticketing/src/consumer-thread/, the checkout's root is five levels up.
const ROOT = resolve(__dirname, '..', '..', '..', '..', '..');
const BOOTSTRAP = `require(${JSON.stringify(resolve(ROOT, 'bin', 'register-aliases.js'))});
require(${JSON.stringify(resolve(__dirname, 'consumer-thread.worker.js'))});`;

const STATUS_TIMEOUT_MS = 5_000;
const STOP_TIMEOUT_MS = 15_000;

export type ConsumerThreadOptions = Readonly<{
  /** The worker's source (eval); default the compiled consumer-thread.worker. Tests pass a stand-in. */
  script?: string;
  /** Default 1000. */
  restartDelayMs?: number;
  /** Waits out the restart delay; default SystemClock. */
  clock?: Clock;
}>;

/**
 * The bus-only contexts (`serves: 'bus'`) on a worker thread of `ticketing start`. They
 * share nothing with the main thread but the SQLite files; each side's commits wake the other's
 * subscriptions at once (the event store's in-process channel). A thread that dies is restarted.
 */
export class ConsumerThread {
  private worker: Worker | undefined;
  private stopping = false;
  private nextId = 0;
  private readonly pending = new Map<number, (status: ConsumerThreadStatus) => void>();
  private readonly logger = new Logger('consumer-thread');

  private constructor(
    private readonly config: TicketingConfig,
    private readonly contexts: readonly ContextName[],
    private readonly options: ConsumerThreadOptions,
  ) {}

  /** Starts the thread; resolves once its consumers are subscribed, rejects when it cannot start. */
  static async start(config: TicketingConfig, contexts: readonly ContextName[], options: ConsumerThreadOptions = {}): Promise<ConsumerThread> {
    const thread = new ConsumerThread(config, contexts, options);
    await thread.spawn();
    return thread;
  }

  /** The thread's bus: healthy when every group consumes; unhealthy while the thread is down or silent. */
  status(): Promise<ConsumerThreadStatus> {
    const worker = this.worker;
    if (!worker) return Promise.resolve({ healthy: false, groups: [] });
    const id = this.nextId++;
    return new Promise((resolveStatus) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolveStatus({ healthy: false, groups: [] });
      }, STATUS_TIMEOUT_MS);
      this.pending.set(id, (status) => {
        clearTimeout(timer);
        resolveStatus(status);
      });
      this.post(worker, { type: 'status', id });
    });
  }

  /** Lets in-flight handlers finish and the thread close its stores; terminates it if it does not within 15 s. */
  async stop(): Promise<void> {
    this.stopping = true;
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise<void>((resolveExit) => worker.once('exit', () => resolveExit()));
    this.post(worker, { type: 'stop' });
    const timer = setTimeout(() => void worker.terminate(), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  private spawn(): Promise<void> {
    const workerData: ConsumerThreadData = { config: this.config, contexts: this.contexts };
    const worker = new Worker(this.options.script ?? BOOTSTRAP, { eval: true, workerData });
    this.worker = worker;
    return new Promise<void>((resolveReady, rejectReady) => {
      let ready = false;
      worker.on('message', (message: FromConsumerThread) => {
        switch (message.type) {
          case 'ready':
            ready = true;
            resolveReady();
            return;
          case 'failed':
            this.logger.error(`Consumer thread could not start: ${message.error}`);
            if (!ready) rejectReady(new Error(`The consumer thread could not start: ${message.error.split('\n')[0]}`));
            return;
          case 'status':
            this.pending.get(message.id)?.(message.status);
            this.pending.delete(message.id);
            return;
        }
      });
      worker.on('error', (error) => this.logger.error(`Consumer thread failed: ${error.stack ?? error.message}`));
      worker.on('exit', (code) => {
        if (this.worker === worker) this.worker = undefined;
        // Whoever asked a thread that is gone gets their answer now, not at the timeout.
        for (const answer of this.pending.values()) answer({ healthy: false, groups: [] });
        this.pending.clear();
        if (!ready) return rejectReady(new Error(`The consumer thread exited with code ${code} before it was ready`));
        if (this.stopping) return;
        const delayMs = this.options.restartDelayMs ?? 1_000;
        this.logger.error(`Consumer thread exited with code ${code}; restarting it in ${delayMs} ms`);
        void (this.options.clock ?? new SystemClock()).sleep(delayMs).then(() => {
          if (!this.stopping) this.spawn().catch((error: unknown) => this.logger.error(String(error)));
        });
      });
    });
  }

  private post(worker: Worker, message: ToConsumerThread): void {
    worker.postMessage(message);
  }
}
