import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import type { Clock } from '@ticketing/kernel';
import type { Logger } from 'pino';
import { BackgroundTasks } from './background/background-tasks';
import { PlatformAuthModule } from './auth/auth.module';
import { PlatformConfigModule } from './config/config.module';
import type { TicketingConfig } from './config/ticketing-config';
import { PlatformHealthModule } from './health/health.module';
import { PlatformLimitsModule } from './limits/limits.module';
import { PlatformLoggingModule } from './logging/logging.module';
import { PlatformMetricsModule } from './metrics/metrics.module';
import { ProblemDetailsFilter } from './problems/problem-details.filter';
import { createValidationPipe } from './problems/validation.pipe';

/** Everything a service needs from the platform, wired globally: config, logging, auth, problems, health, metrics. */
@Module({})
export class PlatformModule {
  /** `logger`: the process's root logger (see `createLogger`), which the HTTP app's request log shares. */
  static forRoot(config: TicketingConfig, wiring: Readonly<{ logger: Logger; clock?: Clock }>): DynamicModule {
    return {
      module: PlatformModule,
      global: true,
      exports: [BackgroundTasks],
      imports: [
        PlatformConfigModule.forRoot(config),
        PlatformLoggingModule.forRoot(wiring.logger),
        // Before auth: its gRPC guard counts calls the AuthGuard then refuses.
        PlatformLimitsModule.forRoot(config),
        PlatformAuthModule.forRoot(config, wiring.clock),
        PlatformHealthModule,
        PlatformMetricsModule,
      ],
      providers: [
        BackgroundTasks,
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
      ],
    };
  }
}
