import { Global, Inject, Logger, Module, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CLOCK } from '@ticketing/kernel';
import { EVENT_STORE } from '@ticketing/event-store';
import { PROJECTION_RUNNER, READ_STORE } from '@ticketing/read-store';
import { PlatformMetrics, ReadinessRegistry } from '@ticketing/platform';
import { registerRelayMetrics } from './relay/relay.metrics';
import { TicketingRuntime } from './ticketing.runtime';

/** Makes the runtime's adapters injectable everywhere and wires them into health and metrics. */
@Global()
@Module({})
export class RuntimeModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(TicketingRuntime) private readonly runtime: TicketingRuntime,
    private readonly readiness: ReadinessRegistry,
    private readonly metrics: PlatformMetrics,
  ) {}

  static forRuntime(runtime: TicketingRuntime): DynamicModule {
    return {
      module: RuntimeModule,
      providers: [
        { provide: TicketingRuntime, useValue: runtime },
        { provide: EVENT_STORE, useValue: runtime.eventStore },
        { provide: READ_STORE, useValue: runtime.readStore },
        { provide: PROJECTION_RUNNER, useValue: runtime.projections },
        { provide: CLOCK, useValue: runtime.clock },
      ],
      exports: [TicketingRuntime, EVENT_STORE, READ_STORE, PROJECTION_RUNNER, CLOCK],
    };
  }

  onApplicationBootstrap(): void {
    const { eventStore, bus, relay, projections } = this.runtime;
    this.runtime.onEventsAppended((streamName, count) => this.metrics.eventsAppended(streamName, count));
    this.readiness.register({ name: 'event-store', check: () => eventStore.ping() });
    this.readiness.register({
      name: 'bus',
      check: async () => {
        if (!bus.isHealthy()) throw new Error('a consumer group is not running');
      },
    });
    // The relay is deliberately not a readiness check: with the broker down, a service keeps taking
    // writes (the event store is the outbox) and its relay catches up later. Its state is a metric.
    if (relay) registerRelayMetrics(this.metrics, relay);
    this.readiness.register({
      name: 'projections',
      check: async () => {
        const failed = (await projections.status()).filter((status) => status.state === 'failed');
        if (failed.length > 0) throw new Error(`failed projections: ${failed.map((status) => status.name).join(', ')}`);
      },
    });
    this.metrics.registerConsumerStatusSource({ status: () => bus.groupStatus() });
  }

  async onApplicationShutdown(signal?: string): Promise<void> {
    await this.runtime.close();
    new Logger('ticketing').log(`Stores closed${signal ? ` after ${signal}` : ''}`);
  }
}
