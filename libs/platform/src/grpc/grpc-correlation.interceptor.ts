import { Metadata } from '@grpc/grpc-js';
import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { acceptOrCreateCorrelationId, CORRELATION_HEADER, CorrelationContext } from '../logging/correlation.context';

const asString = (value: string | Buffer): string => (typeof value === 'string' ? value : value.toString('utf8'));

/** Runs a gRPC handler inside the call's correlation id (metadata `x-correlation-id`, else a new one), as HTTP handlers run in theirs. */
@Injectable()
export class GrpcCorrelationInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const metadata: unknown = context.switchToRpc().getContext();
    if (context.getType() !== 'rpc' || !(metadata instanceof Metadata)) return next.handle();
    const correlationId = acceptOrCreateCorrelationId(metadata.get(CORRELATION_HEADER).map(asString));
    // The exception filter runs outside this context: it reads the id from here, so an error's details name the same one.
    metadata.set(CORRELATION_HEADER, correlationId);
    return CorrelationContext.run(correlationId, () => next.handle());
  }
}
