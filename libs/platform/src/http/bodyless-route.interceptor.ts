import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ValidationError } from '@ticketing/kernel';
import type { Observable } from 'rxjs';

/**
 * Global: an HTTP route that takes no `@Body()` refuses a body with content (400 validation), so
 * a field sent to an action without parameters is never silently ignored. No body, an empty body
 * and `{}` pass.
 */
@Injectable()
export class BodylessRouteInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http' && !takesBody(context) && !isEmptyBody(context.switchToHttp().getRequest<{ body?: unknown }>().body)) {
      throw new ValidationError('This action takes no request body.', [{ field: 'body', message: 'body must be empty or {}' }]);
    }
    return next.handle();
  }
}

function takesBody(context: ExecutionContext): boolean {
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), context.getHandler().name) ?? {}) as Record<string, unknown>;
  return Object.keys(args).some((key) => key.split(':')[0] === String(RouteParamtypes.BODY));
}

const isEmptyBody = (body: unknown): boolean =>
  body === undefined || (typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).length === 0);
