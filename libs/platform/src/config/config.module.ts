import { Global, Module, type DynamicModule } from '@nestjs/common';
import { TICKETING_CONFIG, type TicketingConfig } from './ticketing-config';

/** Makes the validated TicketingConfig injectable everywhere as TICKETING_CONFIG. */
@Global()
@Module({})
export class PlatformConfigModule {
  static forRoot(config: TicketingConfig): DynamicModule {
    return {
      module: PlatformConfigModule,
      providers: [{ provide: TICKETING_CONFIG, useValue: config }],
      exports: [TICKETING_CONFIG],
    };
  }
}
