import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Metadata } from '@grpc/grpc-js';
import { ForbiddenError } from '@ticketing/kernel';
import type { FastifyRequest } from 'fastify';
import { actorCarrier, attachActor, attachedActor, IS_PUBLIC, REQUIRED_ROLES } from './auth.decorators';
import { hasAnyRole, type Role } from './authenticated-actor';
import { authenticateBearer } from './bearer';
import { TOKEN_VERIFIER, type TokenVerifier } from './token-verifier.port';

/**
 * Global: every HTTP and gRPC handler needs a valid bearer token unless marked @Public().
 * Other transports (the internal event bus) carry no tokens and are not guarded here.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(TOKEN_VERIFIER) private readonly verifier: TokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const authorization = authorizationOf(context);
    if (authorization === 'not-applicable') return true;
    const actor = await authenticateBearer(authorization, this.verifier);
    const carrier = actorCarrier(context);
    if (carrier) attachActor(carrier, actor);
    return true;
  }
}

/** Global, after AuthGuard: enforces @Roles(...). */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const required = this.reflector.getAllAndOverride<readonly Role[] | undefined>(REQUIRED_ROLES, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!required || required.length === 0) return true;
    const carrier = actorCarrier(context);
    const actor = carrier && attachedActor(carrier);
    if (!actor || !hasAnyRole(actor, required)) {
      throw new ForbiddenError(`This action requires one of the roles: ${required.join(', ')}.`, {
        requiredRoles: required,
      });
    }
    return true;
  }
}

function authorizationOf(context: ExecutionContext): string | string[] | undefined | 'not-applicable' {
  if (context.getType() === 'http') return context.switchToHttp().getRequest<FastifyRequest>().headers.authorization;
  const rpcContext: unknown = context.switchToRpc().getContext();
  if (rpcContext instanceof Metadata) {
    return rpcContext.get('authorization').map((value) => (typeof value === 'string' ? value : value.toString()));
  }
  return 'not-applicable';
}
