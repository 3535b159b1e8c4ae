import { Logger, type LoggerService } from '@nestjs/common';
import type { ContextName } from '@ticketing/contracts';
import type { Clock } from '@ticketing/kernel';
import type { EventRelayState, EventRelayStatus } from '@ticketing/messaging';
import type { RelayLease, RelayLock } from './relay-lock';

/** The part of an EventRelay the runner drives. */
export interface RelayProcess {
  start(): void;
  stop(): Promise<void>;
  readonly state: EventRelayState;
  status(): Promise<EventRelayStatus>;
}

/** `leader`: this replica relays the context; `standby`: another one does, this one waits to take over. */
export type RelayRole = 'starting' | 'leader' | 'standby' | 'stopped';

export type ContextRelayStatus = Readonly<{
  context: ContextName;
  role: RelayRole;
  /** The relay's own state while leader. */
  state: EventRelayState | null;
  /** Global positions between the relay checkpoint and the log head (leader only; 0 otherwise). */
  lag: number;
  lastError: string | null;
}>;

export type ContextRelayRunnerOptions = Readonly<{
  context: ContextName;
  /** A fresh relay for each term as leader (it resumes from the shared checkpoint). */
  createRelay: () => RelayProcess;
  lock: RelayLock;
  clock: Clock;
  /** How often a standby asks for the lease (default 5000 ms). */
  retryDelayMs?: number;
  logger?: LoggerService;
}>;

/**
 * Runs the relay of one context only while this replica holds the context's lease: every replica
 * of a service runs a runner, one of them relays, the others stand by and take over when the
 * leader's lease is lost. Keeps one ticket's events in order on the topic: two relays of the same
 * context would interleave their (duplicate) publishes.
 */
export class ContextRelayRunner {
  private readonly abort = new AbortController();
  private readonly logger: LoggerService;
  private loop: Promise<void> | undefined;
  private relay: RelayProcess | undefined;
  private role: RelayRole = 'starting';
  private lastError: string | null = null;

  constructor(private readonly options: ContextRelayRunnerOptions) {
    this.logger = options.logger ?? new Logger(ContextRelayRunner.name);
  }

  start(): void {
    this.loop ??= this.run();
  }

  async close(): Promise<void> {
    this.abort.abort(new Error('relay runner closed'));
    await this.loop;
    this.role = 'stopped';
  }

  async status(): Promise<ContextRelayStatus> {
    const relay = this.relay;
    const status = relay ? await relay.status() : undefined;
    return {
      context: this.options.context,
      role: this.role,
      state: status?.state ?? null,
      lag: status?.lag ?? 0,
      lastError: status?.lastError ?? this.lastError,
    };
  }

  private async run(): Promise<void> {
    const { signal } = this.abort;
    const { context, lock, clock } = this.options;
    while (!signal.aborted) {
      let lease: RelayLease | undefined;
      try {
        lease = await lock.acquire(context);
      } catch (error) {
        this.lastError = error instanceof Error ? error.message : String(error);
        this.logger.warn(`Relay of ${context}: cannot ask for the lease (${this.lastError}); retrying`);
        await clock.sleep(this.options.retryDelayMs ?? 5_000, signal).catch(() => undefined);
        continue;
      }
      if (signal.aborted) {
        await lease?.release();
        break;
      }
      if (!lease) {
        if (this.role !== 'standby') this.logger.log(`Relay of ${context}: another replica relays it; standing by`);
        this.role = 'standby';
        await clock.sleep(this.options.retryDelayMs ?? 5_000, signal).catch(() => undefined);
        continue;
      }
      const relay = this.options.createRelay();
      this.relay = relay;
      this.role = 'leader';
      this.logger.log(`Relay of ${context}: leader, publishing from its checkpoint`);
      relay.start();
      await Promise.race([lease.lost, whenAborted(signal)]);
      await relay.stop();
      this.relay = undefined;
      await lease.release();
      if (!signal.aborted) {
        this.role = 'standby';
        this.logger.warn(`Relay of ${context}: lease lost; stopped publishing, asking again`);
      }
    }
    this.role = 'stopped';
  }
}

function whenAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
