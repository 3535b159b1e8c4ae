import { Metadata } from '@grpc/grpc-js';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { CorrelationContext } from '@ticketing/platform';
import { firstValueFrom, of } from 'rxjs';
import { GrpcCorrelationInterceptor } from './grpc-correlation.interceptor';

const rpcContext = (metadata: Metadata) => {
  const host = new ExecutionContextHost([{}, metadata, {}]);
  host.setType('rpc');
  return host;
};

describe('GrpcCorrelationInterceptor', () => {
  const interceptor = new GrpcCorrelationInterceptor();

  it('runs the handler in the caller’s correlation id', async () => {
    const metadata = new Metadata();
    metadata.set('x-correlation-id', 'corr-client');
    const seen = await firstValueFrom(interceptor.intercept(rpcContext(metadata), { handle: () => of(CorrelationContext.currentCorrelationId()) }));
    expect(seen).toBe('corr-client');
  });

  // The exception filter runs outside the handler's context: its error details must name the id the handler ran in.
  it('records an id it creates in the call’s metadata, where the exception filter reads it', async () => {
    const metadata = new Metadata();
    const seen = await firstValueFrom(interceptor.intercept(rpcContext(metadata), { handle: () => of(CorrelationContext.currentCorrelationId()) }));
    expect(seen).toEqual(expect.any(String));
    expect(metadata.get('x-correlation-id')).toEqual([seen]);
  });
});
