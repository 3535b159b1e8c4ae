import { applyDecorators, SetMetadata } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { RateClass } from './rate-limits';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set by `@RateLimitClass()`. */
    ticketingRateClass?: RateClass;
  }
}

export const RATE_CLASS = 'ticketing:rate-class';

/**
 * The budget class of a route or RPC when its method does not say it: without it, HTTP GET/HEAD
 * are reads and other methods writes, and every RPC is a write.
 */
export const RateLimitClass = (rateClass: RateClass): MethodDecorator =>
  applyDecorators(SetMetadata(RATE_CLASS, rateClass), RouteConfig({ ticketingRateClass: rateClass }));
