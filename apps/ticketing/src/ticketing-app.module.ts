import { Module, type DynamicModule } from '@nestjs/common';
import { RuntimeModule, type TicketingRuntime } from '@ticketing/runtime';
import { CONTEXT_MODULES } from './contexts';

/** All contexts in one process over one runtime: what `ticketing start` serves. */
@Module({})
export class TicketingAppModule {
  static forRuntime(runtime: TicketingRuntime): DynamicModule {
    return { module: TicketingAppModule, imports: [RuntimeModule.forRuntime(runtime), ...CONTEXT_MODULES] };
  }
}
