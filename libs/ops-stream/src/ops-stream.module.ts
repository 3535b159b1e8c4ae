import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { EventsStreamHttpController } from './events-stream.http.controller';

/**
 * The ops event stream (`GET /v1/events/stream`) of every context. It belongs to no context: the
 * composition adds it to every process serving an API, importing those contexts' modules so one
 * of them may provide TICKET_ACCESS for the customer view.
 */
@Module({})
export class OpsStreamModule {
  static forContexts(contextModules: readonly Type<unknown>[]): DynamicModule {
    return { module: OpsStreamModule, imports: [...contextModules], controllers: [EventsStreamHttpController] };
  }
}
