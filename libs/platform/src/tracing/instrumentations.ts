import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';

/**
 * Makes the libraries loaded after it trace themselves: PostgreSQL queries (`pg`) as client spans
 * under whatever span runs them. It patches `require`, so the entry points call it before anything
 * loads `pg` (bin/service.js, bin/ticketing.js); spans go to the provider `startTracing` registers.
 */
export function instrumentLibraries(): void {
  registerInstrumentations({ instrumentations: [new PgInstrumentation({ requireParentSpan: true })] });
}
