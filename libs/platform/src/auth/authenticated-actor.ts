import type { Actor, ActorKind } from '@ticketing/kernel';

/** Roles a bearer token may carry (docs/architecture.md §8). */
// `satisfies`: every role is an actor kind, so an authenticated actor is an Actor.
export const ROLES = ['customer', 'agent', 'supervisor', 'auditor', 'ops', 'service', 'admin'] as const satisfies readonly ActorKind[];
export type Role = (typeof ROLES)[number];

export const isRole = (value: unknown): value is Role => ROLES.some((role) => role === value);

/**
 * Who is calling: an Actor whose kind is the token's primary role (the first known role in its
 * `roles` claim) and whose id is the token's `sub`, with every role it holds. A customer holds no
 * other role (`actorFromClaims` refuses such a token), so "is a customer" and "holds a staff role"
 * never disagree.
 */
export type AuthenticatedActor = Actor &
  Readonly<{
    kind: Role;
    sub: string;
    roles: readonly Role[];
  }>;

/** The plain `{kind, id}` to put in event metadata (no roles, no token details). */
export const toEventActor = (actor: AuthenticatedActor): Actor => ({ kind: actor.kind, id: actor.id });

export const hasAnyRole = (actor: AuthenticatedActor, roles: readonly Role[]): boolean =>
  roles.some((role) => actor.roles.includes(role));
