import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { PlatformMetrics, ReadinessRegistry } from '@ticketing/platform';
import { ConsumerThread } from './consumer.thread';

/**
 * Ties the consumer thread to the main app: readiness and the consumer-lag metrics include its
 * groups, and the app's shutdown stops it (in-flight handlers finish) before the stores close.
 */
@Injectable()
export class ConsumerThreadHooks implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    @Inject(ConsumerThread) private readonly thread: ConsumerThread,
    private readonly readiness: ReadinessRegistry,
    private readonly metrics: PlatformMetrics,
  ) {}

  onApplicationBootstrap(): void {
    this.readiness.register({
      name: 'consumer-thread',
      check: async () => {
        if (!(await this.thread.status()).healthy) throw new Error('the consumer thread is down, or a consumer group or projection there is not running');
      },
    });
    this.metrics.registerConsumerStatusSource({ status: async () => (await this.thread.status()).groups });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.thread.stop();
  }
}
