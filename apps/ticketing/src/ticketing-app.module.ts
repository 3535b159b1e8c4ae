import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { RuntimeModule, type TicketingRuntime } from '@ticketing/runtime';
import { CONTEXT_MODULES } from './contexts';

/** Contexts composed over one runtime: by default all of them, what `ticketing start` serves. */
@Module({})
export class TicketingAppModule {
  static forRuntime(runtime: TicketingRuntime, modules: readonly Type<unknown>[] = CONTEXT_MODULES, providers: DynamicModule['providers'] = []): DynamicModule {
    return { module: TicketingAppModule, imports: [RuntimeModule.forRuntime(runtime), ...modules], providers };
  }
}
