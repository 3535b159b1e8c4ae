import { Global, Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { BodylessRouteGuard } from '../http/bodyless-route.guard';
import type { Clock } from '@ticketing/kernel';
import type { TicketingConfig } from '../config/ticketing-config';
import { AuthGuard, RolesGuard } from './auth.guard';
import { createTokenVerifier } from './token-verifier.factory';
import { TOKEN_VERIFIER } from './token-verifier.port';

/** Global AuthGuard + RolesGuard and the TOKEN_VERIFIER for the configured mode. */
@Global()
@Module({})
export class PlatformAuthModule {
  static forRoot(config: Pick<TicketingConfig, 'auth' | 'dataDir'>, clock?: Clock): DynamicModule {
    return {
      module: PlatformAuthModule,
      providers: [
        { provide: TOKEN_VERIFIER, useFactory: () => createTokenVerifier(config, clock) },
        // Registration order is execution order: authenticate, then authorize.
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_GUARD, useClass: RolesGuard },
        // After authentication and roles: a caller who may not act learns nothing about the route's body.
        { provide: APP_GUARD, useClass: BodylessRouteGuard },
      ],
      exports: [TOKEN_VERIFIER],
    };
  }
}
