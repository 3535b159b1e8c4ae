import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { Logger } from '@nestjs/common';

type Pending<In, Out> = Readonly<{ input: In; settle: (output: Out) => void }>;

/** A worker and the batches it owes, oldest first: a worker answers in order. */
type Slot<In, Out> = { worker: Worker; posted: Pending<In, Out>[][] };

export type BatchingWorkerPoolOptions<In, Out> = Readonly<{
  /** Names the pool in logs. */
  name: string;
  /**
   * Plain CommonJS evaluated by each worker: it receives arrays of inputs (`parentPort` messages)
   * and answers each with the array of outputs in the same order.
   */
  source: string;
  workerData?: unknown;
  /** Default: one thread per core beside the calling thread's, at least one and at most four. */
  threads?: number;
  /** Computes one output on the calling thread: for a worker that failed or a pool being closed. */
  here: (input: In) => Out;
}>;

/**
 * CPU work on worker threads beside the calling (HTTP) thread. Inputs asked for in the same
 * microtask checkpoint travel as one message to the least busy worker, posted at once, so the
 * caller goes on with the next request. Should a worker fail, what it held and every later input
 * are computed on the calling thread: an answer is never refused for want of a thread.
 */
export class BatchingWorkerPool<In, Out> {
  private readonly logger: Logger;
  private readonly threads: number;
  private readonly slots: Slot<In, Out>[] = [];
  private waiting: Pending<In, Out>[] = [];
  private workerFailed = false;
  private closed = false;

  constructor(private readonly options: BatchingWorkerPoolOptions<In, Out>) {
    this.logger = new Logger(options.name);
    this.threads = options.threads ?? Math.min(4, Math.max(1, availableParallelism() - 1));
  }

  run(input: In): Promise<Out> {
    return new Promise((settle) => {
      if (this.waiting.push({ input, settle }) === 1) queueMicrotask(() => this.flush());
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    // Terminating fires 'exit', which computes here whatever a worker still held.
    await Promise.all(this.slots.map(({ worker }) => worker.terminate()));
  }

  private flush(): void {
    const batch = this.waiting;
    this.waiting = [];
    const slot = this.closed || this.workerFailed ? undefined : this.leastBusySlot();
    if (slot === undefined) return this.runHere(batch);
    slot.posted.push(batch);
    // Referenced only while it owes answers: an idle pool must not keep a CLI command or a test alive.
    slot.worker.ref();
    slot.worker.postMessage(batch.map(({ input }) => input));
  }

  private leastBusySlot(): Slot<In, Out> {
    const idle = this.slots.find((slot) => slot.posted.length === 0);
    if (idle !== undefined) return idle;
    if (this.slots.length < this.threads) return this.startWorker();
    return this.slots.reduce((least, slot) => (slot.posted.length < least.posted.length ? slot : least));
  }

  private startWorker(): Slot<In, Out> {
    const worker = new Worker(this.options.source, { eval: true, workerData: this.options.workerData });
    const slot: Slot<In, Out> = { worker, posted: [] };
    worker.on('message', (outputs: Out[]) => {
      const batch = slot.posted.shift() ?? [];
      if (slot.posted.length === 0) worker.unref();
      batch.forEach((pending, index) => (index < outputs.length ? pending.settle(outputs[index]) : this.runHere([pending])));
    });
    worker.on('error', (error) => {
      this.workerFailed = true;
      this.logger.error({ err: error }, 'A worker thread failed; computing on the calling thread from now on');
    });
    worker.on('exit', () => {
      const index = this.slots.indexOf(slot);
      if (index >= 0) this.slots.splice(index, 1);
      this.runHere(slot.posted.splice(0).flat());
    });
    this.slots.push(slot);
    return slot;
  }

  private runHere(batch: readonly Pending<In, Out>[]): void {
    for (const { input, settle } of batch) settle(this.options.here(input));
  }
}
