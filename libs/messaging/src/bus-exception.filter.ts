import { Catch, type ArgumentsHost } from '@nestjs/common';
import { BaseRpcExceptionFilter } from '@nestjs/microservices';
import { throwError, type Observable } from 'rxjs';
import { BusEventContext } from './bus-event.context';

/**
 * Lets a bus handler's error reach the transport unchanged. Nest's default RPC filter replaces
 * any non-RpcException with `{ status: 'error', message: 'Internal server error' }`, which would
 * leave dead letters without the real message and stack. Other RPC contexts (gRPC) keep Nest's
 * default behaviour. Install it as a global filter of the bus microservice (see
 * `connectBusMicroservice`) or with `@UseFilters(BusExceptionFilter)` on a consumer.
 */
@Catch()
export class BusExceptionFilter extends BaseRpcExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): Observable<never> {
    if (host.getType() === 'rpc' && host.switchToRpc().getContext() instanceof BusEventContext) {
      return throwError(() => exception);
    }
    return super.catch(exception, host) as Observable<never>;
  }
}
