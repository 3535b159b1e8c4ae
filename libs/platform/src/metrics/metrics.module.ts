import { Global, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { MetricsController } from './metrics.controller';
import { PlatformMetrics } from './platform.metrics';

/** /metrics and the PlatformMetrics service; times every HTTP response, including 404s and body-parse errors. */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [PlatformMetrics],
  exports: [PlatformMetrics],
})
export class PlatformMetricsModule implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly metrics: PlatformMetrics,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    // A Fastify hook rather than an interceptor: errors raised before Nest's pipeline are timed too.
    fastify.addHook('onResponse', async (request, reply) => {
      // The route pattern, never the raw URL, keeps label cardinality bounded.
      const route = request.routeOptions.url ?? 'unmatched';
      this.metrics.observeHttpRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    });
  }
}
