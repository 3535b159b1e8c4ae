import { Metadata } from '@grpc/grpc-js';
import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { throwError, type Observable } from 'rxjs';
import { acceptOrCreateCorrelationId, CORRELATION_HEADER, CorrelationContext } from '../logging/correlation.context';
import { toGrpcStatus } from './grpc-status';
import { classifyError, toProblemDetails } from './problem-mapping';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/**
 * Global filter. HTTP: every error (including Fastify's body-parse errors and unknown routes)
 * becomes RFC 9457 application/problem+json. gRPC: the matching status code, with
 * google.rpc.Status error details in the trailers (see grpc-status.ts). Other transports
 * (the event bus) get the original error back, for their retry and dead-letter handling.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemDetails');

  catch(exception: unknown, host: ArgumentsHost): void | Observable<never> {
    if (host.getType() === 'http') return this.replyWithProblem(exception, host);
    const metadata: unknown = host.getType() === 'rpc' ? host.switchToRpc().getContext() : undefined;
    if (metadata instanceof Metadata) {
      // Errors from guards come before any handler ran in a correlation context: the call's metadata has the id then.
      const correlationId = CorrelationContext.currentCorrelationId() ?? acceptOrCreateCorrelationId(metadata.get(CORRELATION_HEADER).map(String));
      // The client is told to quote this id: the log line must carry it.
      if (classifyError(exception).unexpected) this.logger.error({ err: exception, correlationId }, 'Unhandled error');
      // grpc-js sends `code`, `message` and `metadata` as the call's status and trailers.
      return throwError(() => toGrpcStatus(exception, { correlationId }));
    }
    return throwError(() => exception);
  }

  private replyWithProblem(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const { unexpected } = sendProblem(http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>(), exception);
    if (unexpected) this.logger.error({ err: exception }, 'Unhandled error');
  }
}

/** Answers an HTTP request with the problem+json for `error` (unless a response went out already). */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: unknown): Readonly<{ unexpected: boolean }> {
  const { body, headers, unexpected } = toProblemDetails(error, { instance: request.url.split('?')[0], correlationId: request.id });
  if (!reply.sent) {
    void reply
      .status(body.status)
      .headers({ ...headers, 'content-type': PROBLEM_CONTENT_TYPE })
      .send(JSON.stringify(body));
  }
  return { unexpected };
}
