import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ValidationError } from '@ticketing/kernel';

/**
 * Global, after authentication and roles: an HTTP route that takes no `@Body()` refuses a body with
 * content (400 validation), so a field sent to an action without parameters is never silently
 * ignored. No body, an empty body and `{}` pass. A guard, not an interceptor: Nest wraps every
 * interceptor call in async-resource bookkeeping the write routes are kept free of.
 */
@Injectable()
export class BodylessRouteGuard implements CanActivate {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- Nest hands the handler as a Function
  private readonly takesBody = new WeakMap<Function, boolean>();

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const handler = context.getHandler();
    let takesBody = this.takesBody.get(handler);
    if (takesBody === undefined) {
      takesBody = declaresBody(context);
      this.takesBody.set(handler, takesBody);
    }
    if (!takesBody && !isEmptyBody(context.switchToHttp().getRequest<{ body?: unknown }>().body)) {
      throw new ValidationError('This action takes no request body.', [{ field: 'body', message: 'body must be empty or {}' }]);
    }
    return true;
  }
}

function declaresBody(context: ExecutionContext): boolean {
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), context.getHandler().name) ?? {}) as Record<string, unknown>;
  return Object.keys(args).some((key) => key.split(':')[0] === String(RouteParamtypes.BODY));
}

const isEmptyBody = (body: unknown): boolean =>
  body === undefined || (typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).length === 0);
