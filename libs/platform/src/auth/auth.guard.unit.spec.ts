import { Metadata } from '@grpc/grpc-js';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { ForbiddenError, UnauthorizedError } from '@ticketing/kernel';
import { attachedActor, Public, Roles } from './auth.decorators';
import { AuthGuard, RolesGuard } from './auth.guard';
import type { AuthenticatedActor } from './authenticated-actor';
import type { TokenVerifier } from './token-verifier.port';

const agent: AuthenticatedActor = { kind: 'agent', id: 'a-1', sub: 'a-1', roles: ['agent'] };
const verifier: TokenVerifier = {
  verify: async (token) => {
    if (token !== 'good') throw new UnauthorizedError('The token is invalid.');
    return agent;
  },
};

class TicketsRpc {
  open(): void {}
  @Public()
  ping(): void {}
  @Roles('supervisor')
  escalate(): void {}
}

const rpcContext = (carrier: object, handler: keyof TicketsRpc = 'open') => {
  const context = new ExecutionContextHost([{}, carrier, {}], TicketsRpc, TicketsRpc.prototype[handler]);
  context.setType('rpc');
  return context;
};

const reflector = new Reflector();
const authGuard = new AuthGuard(reflector, verifier);
const rolesGuard = new RolesGuard(reflector);

describe('AuthGuard and RolesGuard on gRPC calls', () => {
  it('authenticates the authorization metadata and attaches the actor', async () => {
    const metadata = new Metadata();
    metadata.set('authorization', 'Bearer good');
    await expect(authGuard.canActivate(rpcContext(metadata))).resolves.toBe(true);
    expect(attachedActor(metadata)).toEqual(agent);
  });

  it('rejects missing or bad tokens', async () => {
    const bad = new Metadata();
    bad.set('authorization', 'Bearer forged');
    await expect(authGuard.canActivate(rpcContext(new Metadata()))).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(authGuard.canActivate(rpcContext(bad))).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('lets @Public() calls through without a token', async () => {
    await expect(authGuard.canActivate(rpcContext(new Metadata(), 'ping'))).resolves.toBe(true);
  });

  it('leaves non-gRPC transports (bus events) alone', async () => {
    const busContext = { topic: 'ticketing.intake.events' };
    await expect(authGuard.canActivate(rpcContext(busContext))).resolves.toBe(true);
    expect(attachedActor(busContext)).toBeUndefined();
  });

  it('enforces @Roles() against the attached actor', async () => {
    const metadata = new Metadata();
    metadata.set('authorization', 'Bearer good');
    await authGuard.canActivate(rpcContext(metadata, 'escalate'));
    expect(() => rolesGuard.canActivate(rpcContext(metadata, 'escalate'))).toThrow(ForbiddenError);
    expect(rolesGuard.canActivate(rpcContext(metadata, 'open'))).toBe(true);
  });
});
