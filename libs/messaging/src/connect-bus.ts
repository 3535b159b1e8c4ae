import type { INestApplication, INestMicroservice } from '@nestjs/common';
import type { CustomTransportStrategy, MicroserviceOptions, NestMicroservice } from '@nestjs/microservices';
import { BusExceptionFilter } from './bus-exception.filter';

/**
 * Connect a bus transport (embedded or Kafka) to a hybrid app, with `BusExceptionFilter` as the
 * bus's global filter so handler errors reach the transport intact (retries log them, dead letters
 * store them). Nest registers the handlers here, before `app.init()`: the bus can replay dead
 * letters right away; it consumes only once `app.startAllMicroservices()` calls its `listen`.
 *
 * `connectMicroservice` on its own registers handlers immediately, before a global filter could be
 * added; deferring and then doing what it would have done is the way to get the filter in first.
 */
export function connectBusMicroservice(app: INestApplication, strategy: CustomTransportStrategy): INestMicroservice {
  const microservice = app.connectMicroservice<MicroserviceOptions>({ strategy }, { deferInitialization: true });
  microservice.useGlobalFilters(new BusExceptionFilter());
  const deferred = microservice as unknown as NestMicroservice;
  deferred.registerListeners();
  deferred.setIsInitialized(true);
  deferred.setIsInitHookCalled(true);
  return microservice;
}
