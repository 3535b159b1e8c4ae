import { Module, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';

/**
 * nestjs-pino over the process's root logger, for Nest's own lines and injected PinoLoggers. Fastify
 * hooks log the requests (`logRequests`) and carry their correlation ids (`propagateCorrelationId`),
 * so nestjs-pino mounts no per-request middleware.
 */
@Module({})
export class PlatformLoggingModule {
  static forRoot(logger: Logger): DynamicModule {
    return { module: PlatformLoggingModule, imports: [LoggerModule.forRoot({ pinoHttp: { logger }, forRoutes: [] })] };
  }
}
