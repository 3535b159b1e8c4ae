import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { CLOCK, type Clock } from '@ticketing/kernel';
import { Logger } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { TicketingConfig } from '../config/ticketing-config';
import { TOKEN_VERIFIER, type TokenVerifier } from '../auth/token-verifier.port';
import { enforceIdempotencyKeys, type IdempotencyHookDependencies } from '../idempotency/idempotency.http-hooks';
import { IdempotencyStore } from '../idempotency/idempotency.store';
import { enforceRateLimits, type RateLimitHookDependencies } from '../limits/rate-limit.http-hooks';
import { RateLimits } from '../limits/rate-limits';
import { createLogger } from '../logging/logger.options';
import { logRequests } from '../logging/request-log.hooks';
import { PlatformModule } from '../platform.module';
import { correlationRequestId, propagateCorrelationId } from './fastify-correlation';

export type PlatformOptions = Readonly<{
  /** Time for token expiry checks; default the system clock. */
  clock?: Clock;
  /** Where JSON log lines go; default stdout. */
  logDestination?: DestinationStream;
}>;

/** Routes served outside the `/v1` API prefix. */
export const UNVERSIONED_ROUTES = ['health/live', 'health/ready', 'metrics'] as const;

@Module({})
class HttpRootModule {}

/**
 * Builds (and initialises, without listening) the Fastify-based Nest app for `module`: platform
 * wiring, `/v1` prefix, OpenAPI at `/docs`, JSON bodies only up to the configured limit.
 */
export async function createHttpApp(
  module: Type<unknown> | DynamicModule,
  config: TicketingConfig,
  options: PlatformOptions = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: config.httpBodyLimit, genReqId: correlationRequestId });
  const fastify = adapter.getInstance();
  propagateCorrelationId(fastify);
  const logger = createLogger(config.logLevel, options.logDestination);
  logRequests(fastify, logger);
  // Fastify's own JSON parser (with the body limit) stays; dropping text/plain makes any non-JSON body a 415.
  fastify.removeContentTypeParser('text/plain');

  const root: DynamicModule = { module: HttpRootModule, imports: [PlatformModule.forRoot(config, { logger, clock: options.clock }), module] };
  const app = await NestFactory.create<NestFastifyApplication>(root, adapter, {
    bufferLogs: true,
    bodyParser: false,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  let rateLimits: RateLimitHookDependencies | undefined;
  enforceRateLimits(fastify, () => (rateLimits ??= {
    limits: app.get(RateLimits, { strict: false }),
    verifier: app.get<TokenVerifier>(TOKEN_VERIFIER, { strict: false }),
  }));
  let idempotency: IdempotencyHookDependencies | undefined;
  // Looked up on the first keyed request: the store comes with the feature module that has @Idempotent routes.
  enforceIdempotencyKeys(fastify, () => (idempotency ??= {
    store: app.get(IdempotencyStore, { strict: false }),
    clock: app.get<Clock>(CLOCK, { strict: false }),
    verifier: app.get<TokenVerifier>(TOKEN_VERIFIER, { strict: false }),
  }));
  app.setGlobalPrefix('v1', { exclude: [...UNVERSIONED_ROUTES] });
  app.enableShutdownHooks();

  const openApi = new DocumentBuilder()
    .setTitle('Ticketing API')
    .setDescription('Event-sourced support ticketing. Errors are RFC 9457 application/problem+json.')
    .setVersion('1')
    .addBearerAuth()
    .addSecurityRequirements('bearer')
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, openApi));

  await app.init();
  return app;
}
