export * from './config/ticketing-config';
export * from './config/config.error';
export * from './config/kafka-security.config';
export * from './config/config.loader';
export * from './config/config.module';

export * from './logging/correlation.context';
export * from './logging/personal-data.redaction';
export * from './logging/logger.options';
export * from './logging/logging.module';

export * from './problems/problem-types';
export * from './problems/problem-mapping';
export * from './problems/grpc-status';
export * from './problems/problem-details.filter';
export * from './problems/validation.pipe';

export * from './auth/authenticated-actor';
export * from './auth/token-verifier.port';
export * from './auth/hmac-token.verifier';
export * from './auth/jwks-token.verifier';
export * from './auth/token-verifier.factory';
export * from './auth/dev-secret';
export * from './auth/dev-token';
export * from './auth/bearer';
export { Public, Roles, CurrentActor, attachedActor } from './auth/auth.decorators';
export * from './auth/auth.guard';
export * from './auth/auth.module';

export * from './health/readiness.registry';
export * from './health/health.module';
export * from './grpc/grpc-health';
export * from './grpc/grpc-tooling';
export * from './grpc/grpc.server';
export * from './grpc/grpc-correlation.interceptor';
export * from './grpc/grpc-request.validation';
export * from './grpc/proto-enum';

export * from './metrics/platform.metrics';
export * from './metrics/metrics.module';
export * from './metrics/scraped-gauge';

export * from './platform.module';
export * from './http/create-http-app';
export { MAX_BODY_DEPTH, nestingDepth, unrepresentable } from './http/json-body.parser';

export * from './idempotency/idempotency.store';
export * from './idempotency/idempotency.interceptor';
export * from './idempotency/idempotency.http-hooks';
export * from './idempotency/idempotency.rules';
export * from './idempotency/idempotency-key.pruner';
export * from './background/background-tasks';
export * from './openapi/api-problems.decorator';
export * from './openapi/operation.decorator';
export * from './openapi/api-conventions';
export * from './openapi/validation-constraints.openapi';

export * from './limits/rate-limits';
export * from './limits/stream-slots';
export * from './limits/rate-limit.decorators';
export * from './limits/rate-limit.guard';
export * from './limits/rate-limit.http-hooks';
export * from './limits/limits.module';
export * from './workers/batching-worker.pool';
export * from './grpc/grpc-timestamp';
export * from './signing/signing-key';
export * from './signing/bundle-signer.provider';
export * from './files/create-file-once';
export * from './signing/signed-manifest';
export * from './tracing/tracing';
