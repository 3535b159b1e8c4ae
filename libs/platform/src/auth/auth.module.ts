import { Global, Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
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
      ],
      exports: [TOKEN_VERIFIER],
    };
  }
}
