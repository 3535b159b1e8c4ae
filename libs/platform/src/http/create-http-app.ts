import { BadRequestException, Module, type DynamicModule, type Type } from '@nestjs/common';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { CORRELATION_HEADER } from '../logging/correlation.context';
import { sendProblem } from '../problems/problem-details.filter';
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
import { isUnlimited } from './ops-routes';
import { applyApiConventions } from '../openapi/api-conventions';
import { FieldErrorSchema, ProblemDetailsSchema } from '../openapi/api-problems.decorator';
import { unnamedOperation } from '../openapi/operation.decorator';
import { documentValidationConstraints } from '../openapi/validation-constraints.openapi';
import { RateLimits } from '../limits/rate-limits';
import { createLogger } from '../logging/logger.options';
import { logRequests } from '../logging/request-log.hooks';
import { PlatformModule } from '../platform.module';
import { correlationRequestId, propagateCorrelationId } from './fastify-correlation';
import { traceHttpRequests } from './fastify-tracing';
import { problemClientErrorHandler, protectOpsRoutes, registerSecurityHeaders } from './http-security';
import { useJsonBodyParser } from './json-body.parser';

export type PlatformOptions = Readonly<{
  /** Time for token expiry checks; default the system clock. */
  clock?: Clock;
  /** Where JSON log lines go; default stdout, as JSON or pretty by LOG_FORMAT. */
  logDestination?: DestinationStream;
}>;

/** Routes served outside the `/v1` API prefix. */
export const UNVERSIONED_ROUTES = ['health/live', 'health/ready', 'metrics'] as const;

@Module({})
class HttpRootModule {}

/**
 * Builds (and initialises, without listening) the Fastify-based Nest app for `module`: platform
 * wiring, `/v1` prefix, OpenAPI at `/docs`, JSON bodies only up to the configured limit, security
 * headers and CORS (`registerSecurityHeaders`), ops routes behind a token when configured.
 */
export async function createHttpApp(
  module: Type<unknown> | DynamicModule,
  config: TicketingConfig,
  options: PlatformOptions = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.httpBodyLimit,
    // request.ip (per-address rate limits) from X-Forwarded-For only as far as the configured proxies say.
    trustProxy: typeof config.trustProxy === 'object' ? [...config.trustProxy] : config.trustProxy,
    genReqId: correlationRequestId,
    clientErrorHandler: problemClientErrorHandler,
    frameworkErrors: answerFrameworkError,
  });
  const fastify = adapter.getInstance();
  propagateCorrelationId(fastify);
  traceHttpRequests(fastify);
  const logger = createLogger(config.logLevel, options.logDestination, config.logFormat);
  logRequests(fastify, logger);
  // Dropping text/plain makes any non-JSON body a 415; JSON bodies keep Fastify's body limit.
  fastify.removeContentTypeParser('text/plain');
  useJsonBodyParser(fastify);

  const root: DynamicModule = { module: HttpRootModule, imports: [PlatformModule.forRoot(config, { logger, clock: options.clock }), module] };
  const app = await NestFactory.create<NestFastifyApplication>(root, adapter, {
    bufferLogs: true,
    bodyParser: false,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  await registerSecurityHeaders(app, config);
  if (config.protectOpsRoutes) protectOpsRoutes(fastify, () => app.get<TokenVerifier>(TOKEN_VERIFIER, { strict: false }));
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

  SwaggerModule.setup('docs', app, () => openApiDocument(app));

  await app.init();
  return app;
}

/**
 * The OpenAPI document of the app's HTTP routes, with the API conventions applied (api-conventions.ts):
 * built on first request of /docs, so start-up does not pay for it.
 */
export function openApiDocument(app: NestFastifyApplication) {
  const builder = new DocumentBuilder()
    .setTitle('Ticketing API')
    .setDescription('Event-sourced support ticketing. Errors are RFC 9457 application/problem+json. Conventions: docs/api-conventions.md.')
    .setVersion('1')
    .setLicense('Apache-2.0', 'https://www.apache.org/licenses/LICENSE-2.0')
    .addServer('/', 'This deployment (local, staging or production): the origin serving this document', {})
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: 'A JWT, verified per RFC8725: an explicit algorithm allow-list, `exp` required, issuer and audience checked when configured.',
    }, 'bearer')
    .addSecurityRequirements('bearer')
    .build();
  builder.servers = builder.servers?.map((server) => ({ ...server, 'x-internal': false }));
  documentValidationConstraints();
  const document = SwaggerModule.createDocument(app, builder, { extraModels: [ProblemDetailsSchema, FieldErrorSchema], operationIdFactory: unnamedOperation });
  return applyApiConventions(document, { isRateLimited: (path) => !isUnlimited(path) });
}

/**
 * Errors Fastify raises before routing (a path with malformed percent-encoding, `FST_ERR_BAD_URL`)
 * skip the hooks and Nest's filter: answer them as problems with the correlation id too.
 */
function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  void reply.header(CORRELATION_HEADER, request.id);
  const answered = error.code === 'FST_ERR_BAD_URL' ? new BadRequestException('The request URL is not valid: malformed percent-encoding in its path.') : error;
  sendProblem(request, reply, answered);
}
