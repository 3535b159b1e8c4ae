import { ROUTING_CONTRACT } from '@ticketing/contracts';
import { defineContext } from '@ticketing/runtime';
import { RoutingModule } from './routing.module';

/** Routing: places tickets in queues; it reads intake's events only from the bus. */
export const ROUTING_CONTEXT = defineContext({ contract: ROUTING_CONTRACT, module: RoutingModule, serves: 'bus' });
