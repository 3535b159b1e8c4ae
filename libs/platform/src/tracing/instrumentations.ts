import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';

/**
 * Makes the libraries loaded after it trace themselves, as client spans under whatever span runs
 * them: PostgreSQL queries (`pg`), and outgoing HTTP(S) requests (`http`/`https`: the identity
 * provider's JWKS fetch, the S3 attachment store, any webhook), which also carry `traceparent` to
 * the server. It patches `require`, so the entry points call it before anything loads `pg` or
 * `http` (bin/service.js, bin/ticketing.js); spans go to the provider `startTracing` registers.
 *
 * Incoming HTTP is not taken from here: the Fastify hooks' SERVER spans are named by route
 * (`GET /v1/tickets/:id`), where this instrumentation could only name them by method.
 */
export function instrumentLibraries(): void {
  registerInstrumentations({
    instrumentations: [new PgInstrumentation({ requireParentSpan: true }), new HttpInstrumentation({ disableIncomingRequestInstrumentation: true })],
  });
}
