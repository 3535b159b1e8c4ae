import { Global, Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { TicketingConfig } from '../config/ticketing-config';
import { GrpcRateLimitGuard } from './rate-limit.guard';
import { RateLimits } from './rate-limits';
import { StreamSlots } from './stream-slots';

/**
 * RateLimits, StreamSlots and the gRPC rate-limit guard. Import it before PlatformAuthModule:
 * global guards run in registration order, and this one must count calls the AuthGuard refuses.
 */
@Global()
@Module({})
export class PlatformLimitsModule {
  static forRoot(config: Pick<TicketingConfig, 'rateLimits' | 'streams'>): DynamicModule {
    return {
      module: PlatformLimitsModule,
      providers: [
        { provide: RateLimits, useValue: new RateLimits(config.rateLimits) },
        { provide: StreamSlots, useValue: new StreamSlots(config.streams) },
        { provide: APP_GUARD, useClass: GrpcRateLimitGuard },
      ],
      exports: [RateLimits, StreamSlots],
    };
  }
}
