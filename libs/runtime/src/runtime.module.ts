import { Global, Inject, Logger, Module, Optional, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CLOCK } from '@ticketing/kernel';
import { EVENT_STORE, STORED_EVENT_STORE } from '@ticketing/event-store';
import { PersonalDataProtection } from '@ticketing/privacy';
import { PROJECTION_RUNNER, READ_STORE } from '@ticketing/read-store';
import { flushTraces, IdempotencyInterceptor, IdempotencyStore, PlatformMetrics, ReadinessRegistry, TOKEN_VERIFIER, type TokenVerifier } from '@ticketing/platform';
import { PinoLogger } from 'nestjs-pino';
import { symbols } from 'pino';
import { registerProjectionMetrics } from './projection.metrics';
import { registerRelayMetrics } from './relay/relay.metrics';
import { TicketingRuntime } from './ticketing.runtime';

const AUXILIARY_CONSUMER_GROUPS = Symbol('AuxiliaryConsumerGroups');

/** Makes the runtime's adapters injectable everywhere and wires them into health and metrics. */
@Global()
@Module({})
export class RuntimeModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(TicketingRuntime) private readonly runtime: TicketingRuntime,
    @Inject(AUXILIARY_CONSUMER_GROUPS) private readonly auxiliaryGroups: ReadonlySet<string>,
    private readonly readiness: ReadinessRegistry,
    private readonly metrics: PlatformMetrics,
    private readonly pino: PinoLogger,
    @Optional() @Inject(TOKEN_VERIFIER) private readonly tokens: TokenVerifier | null,
  ) {}

  static forRuntime(runtime: TicketingRuntime, options: Readonly<{ auxiliaryConsumerGroups?: readonly string[] }> = {}): DynamicModule {
    return {
      module: RuntimeModule,
      providers: [
        { provide: AUXILIARY_CONSUMER_GROUPS, useValue: new Set(options.auxiliaryConsumerGroups ?? []) },
        { provide: TicketingRuntime, useValue: runtime },
        { provide: EVENT_STORE, useValue: runtime.eventStore },
        { provide: STORED_EVENT_STORE, useValue: runtime.storedEvents },
        { provide: PersonalDataProtection, useValue: runtime.privacy },
        { provide: READ_STORE, useValue: runtime.readStore },
        { provide: PROJECTION_RUNNER, useValue: runtime.projections },
        { provide: CLOCK, useValue: runtime.clock },
        // Every context's @Idempotent writes share one key table in the read store.
        { provide: IdempotencyStore, useValue: runtime.idempotency },
        IdempotencyInterceptor,
      ],
      exports: [TicketingRuntime, EVENT_STORE, STORED_EVENT_STORE, PersonalDataProtection, READ_STORE, PROJECTION_RUNNER, CLOCK, IdempotencyStore, IdempotencyInterceptor],
    };
  }

  onApplicationBootstrap(): void {
    const { eventStore, bus, relay, projections } = this.runtime;
    this.runtime.onEventsAppended((streamName, count) => this.metrics.eventsAppended(streamName, count));
    this.readiness.register({ name: 'event-store', check: () => eventStore.ping() });
    // With JWKS: a URL that is wrong or down makes the process not ready rather than ready and refusing every token.
    const keysAvailable = this.tokens?.assertKeysAvailable?.bind(this.tokens);
    if (keysAvailable) this.readiness.register({ name: 'identity-provider', check: keysAvailable });
    this.readiness.register({
      name: 'bus',
      check: async () => {
        if (bus.isHealthy()) return;
        // Only the groups an API depends on: an auxiliary group's outage leaves the process ready (its lag shows in /metrics).
        const down = (await bus.groupStatus()).filter(({ group, running }) => !running && !this.auxiliaryGroups.has(group));
        if (down.length > 0 || this.auxiliaryGroups.size === 0) throw new Error(`a consumer group is not running${down.length > 0 ? `: ${down.map(({ group }) => group).join(', ')}` : ''}`);
      },
    });
    const topics = this.runtime.kafkaTopics;
    if (topics) this.readiness.register({ name: 'kafka-topics', check: async () => topics.check() });
    // With the broker down a service keeps taking writes (the event store is the outbox) and its
    // relay catches up later: a relay that cannot publish fails readiness only once it is
    // TICKETING_RELAY_MAX_LAG behind, so a short outage stops nothing and a long one is seen.
    if (relay) {
      registerRelayMetrics(this.metrics, relay);
      const maxLag = this.runtime.config.relayMaxLag;
      this.readiness.register({
        name: 'relay',
        check: async () => {
          const behind = (await relay.status()).filter(({ role, lag }) => role === 'leader' && lag > maxLag);
          if (behind.length > 0) {
            const contexts = behind.map(({ context, lag }) => `${context} is ${lag} events behind`).join(', ');
            throw new Error(`relay ${contexts} (TICKETING_RELAY_MAX_LAG=${maxLag})`);
          }
        },
      });
    }
    this.readiness.register({
      name: 'projections',
      check: async () => {
        const failed = (await projections.status()).filter((status) => status.state === 'failed');
        if (failed.length > 0) throw new Error(`failed projections: ${failed.map((status) => status.name).join(', ')}`);
      },
    });
    this.metrics.registerConsumerStatusSource({ status: () => bus.groupStatus() });
    registerProjectionMetrics(this.metrics, projections);
  }

  async onApplicationShutdown(signal?: string): Promise<void> {
    await this.runtime.close();
    await flushTraces().catch(() => undefined);
    new Logger('ticketing').log(`Stores closed${signal ? ` after ${signal}` : ''}`);
    await flushLogs(this.pino);
  }
}

/** What a pino destination may be: sonic-boom (stdout) keeps its in-flight write flag private. */
type Destination = { _writing?: unknown; once?: (event: 'drain', listener: () => void) => unknown };

/**
 * pino writes stdout asynchronously (sonic-boom), and after a signal Nest re-raises it as soon as the
 * shutdown hooks return: the shutdown's own last lines can still be in flight and die with the
 * process. sonic-boom's flush() returns at once when nothing is buffered beside the write in flight,
 * so wait for that write's 'drain' instead, bounded.
 */
function flushLogs(pino: PinoLogger): Promise<void> {
  const destination = (pino.logger as unknown as Record<symbol, Destination | undefined>)[symbols.streamSym];
  if (!destination?._writing || typeof destination.once !== 'function') return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 1_000);
    timer.unref();
    destination.once?.('drain', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
