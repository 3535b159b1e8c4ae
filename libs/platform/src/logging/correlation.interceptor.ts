import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { CorrelationContext } from './correlation.context';

/** Runs each HTTP handler inside its request's correlation id, so the code it calls can stamp events with it. */
@Injectable()
export class CorrelationInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const correlationId = context.switchToHttp().getRequest<FastifyRequest>().id;
    // Nest binds the handler's async context when `handle()` is called, so calling it inside `run` is enough.
    return CorrelationContext.run(correlationId, () => next.handle());
  }
}
