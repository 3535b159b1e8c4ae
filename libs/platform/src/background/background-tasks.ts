import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';

/** A long-running loop (a timer scheduler, a poller) that must stop when `signal` aborts. */
export type BackgroundTask = Readonly<{ name: string; run(signal: AbortSignal): Promise<void> }>;

/**
 * Loops that only a serving process runs: modules register them at init, `ticketing start` starts
 * them, and CLI commands (which boot the same modules) never do.
 */
@Injectable()
export class BackgroundTasks implements OnApplicationShutdown {
  private readonly logger = new Logger(BackgroundTasks.name);
  private readonly tasks: BackgroundTask[] = [];
  private readonly controller = new AbortController();
  private running: Promise<void>[] = [];

  register(task: BackgroundTask): void {
    this.tasks.push(task);
  }

  start(): void {
    this.running = this.tasks.map((task) =>
      task.run(this.controller.signal).catch((error: unknown) => {
        if (!this.controller.signal.aborted) this.logger.error(`Background task ${task.name} stopped: ${String(error)}`);
      }),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.controller.abort(new Error('shutting down'));
    await Promise.all(this.running);
  }
}
