import { Module, RequestMethod, type DynamicModule } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { TicketingConfig } from '../config/ticketing-config';
import { CorrelationInterceptor } from './correlation.interceptor';
import { loggerOptions } from './logger.options';

/** nestjs-pino JSON logging with correlation ids; `destination` (default stdout) lets tests read the lines. */
@Module({})
export class PlatformLoggingModule {
  static forRoot(config: Pick<TicketingConfig, 'logLevel'>, destination?: DestinationStream): DynamicModule {
    const options = loggerOptions(config.logLevel);
    return {
      module: PlatformLoggingModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: destination ? [options, destination] : options,
          forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
        }),
      ],
      providers: [{ provide: APP_INTERCEPTOR, useClass: CorrelationInterceptor }],
    };
  }
}
