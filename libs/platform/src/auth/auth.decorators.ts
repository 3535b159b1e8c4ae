import { applyDecorators, createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { UnauthorizedError } from '@ticketing/kernel';
import { PUBLIC_EXTENSION, ROLES_EXTENSION } from '../openapi/api-conventions';
import { operationExtension } from '../openapi/operation-extension';
import type { AuthenticatedActor, Role } from './authenticated-actor';

export const IS_PUBLIC = 'ticketing:public';
export const REQUIRED_ROLES = 'ticketing:roles';

/** Skips authentication (health, metrics); the OpenAPI document says `security: []`. */
export const Public = (): MethodDecorator & ClassDecorator => applyDecorators(SetMetadata(IS_PUBLIC, true), operationExtension(PUBLIC_EXTENSION, true));

/** The caller must hold at least one of these roles, else 403; the OpenAPI document lists them (`x-roles` and the description). */
export const Roles = (...roles: readonly Role[]): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(REQUIRED_ROLES, roles), operationExtension(ROLES_EXTENSION, roles));

// Keyed by the request (HTTP) or metadata (gRPC) object, so nothing is bolted onto framework types.
const actors = new WeakMap<object, AuthenticatedActor>();

export const attachActor = (carrier: object, actor: AuthenticatedActor): void => {
  actors.set(carrier, actor);
};

export const attachedActor = (carrier: object): AuthenticatedActor | undefined => actors.get(carrier);

/** The carrier an actor is attached to for this call: the HTTP request or the RPC context. */
export function actorCarrier(context: ExecutionContext): object | undefined {
  const carrier: unknown =
    context.getType() === 'http' ? context.switchToHttp().getRequest() : context.switchToRpc().getContext();
  return typeof carrier === 'object' && carrier !== null ? carrier : undefined;
}

/** Injects the AuthenticatedActor the AuthGuard verified. */
export const CurrentActor = createParamDecorator((_data: unknown, context: ExecutionContext): AuthenticatedActor => {
  const carrier = actorCarrier(context);
  const actor = carrier && attachedActor(carrier);
  if (!actor) throw new UnauthorizedError('No authenticated actor for this call.');
  return actor;
});
