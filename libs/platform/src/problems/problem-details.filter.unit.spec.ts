import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { NotFoundError } from '@ticketing/kernel';
import { firstValueFrom, isObservable, type Observable } from 'rxjs';
import { ProblemDetailsFilter } from './problem-details.filter';

const rpcHost = (carrier: object) => {
  const host = new ExecutionContextHost([{}, carrier, {}]);
  host.setType('rpc');
  return host;
};

const errorOf = async (result: unknown): Promise<unknown> => {
  if (!isObservable(result)) throw new Error('expected an observable');
  return firstValueFrom(result as Observable<never>).catch((error: unknown) => error);
};

describe('ProblemDetailsFilter outside HTTP', () => {
  const filter = new ProblemDetailsFilter();

  it('answers a gRPC call with the mapped status code', async () => {
    const error = await errorOf(filter.catch(new NotFoundError('Ticket t-1 not found'), rpcHost(new Metadata())));
    expect(error).toMatchObject({ code: GrpcStatus.NOT_FOUND, message: 'Ticket t-1 not found', metadata: expect.any(Metadata) });
  });

  it('names the call’s correlation id in the trailers (errors from guards come before any handler’s context)', async () => {
    const call = new Metadata();
    call.set('x-correlation-id', 'corr-from-client');
    const error = (await errorOf(filter.catch(new NotFoundError('gone'), rpcHost(call)))) as { metadata: Metadata };
    expect(error.metadata.get('x-correlation-id')).toEqual(['corr-from-client']);
    expect(error.metadata.get('grpc-status-details-bin')).toHaveLength(1);
  });

  it('hides unexpected errors from gRPC callers', async () => {
    jest.spyOn(filter['logger'], 'error').mockImplementation(() => undefined);
    const error = await errorOf(filter.catch(new Error('disk full at /var/lib'), rpcHost(new Metadata())));
    expect(error).toMatchObject({ code: GrpcStatus.INTERNAL });
    expect(JSON.stringify(error)).not.toContain('disk');
  });

  it('logs an unexpected gRPC error with the correlation id the caller is told to quote', async () => {
    const logged = jest.spyOn(filter['logger'], 'error').mockImplementation(() => undefined);
    const call = new Metadata();
    call.set('x-correlation-id', 'corr-to-quote');
    const error = (await errorOf(filter.catch(new Error('boom'), rpcHost(call)))) as { metadata: Metadata };
    expect(error.metadata.get('x-correlation-id')).toEqual(['corr-to-quote']);
    expect(logged).toHaveBeenCalledWith(expect.objectContaining({ correlationId: 'corr-to-quote' }), 'Unhandled error');
  });

  it('gives bus transports the original error, for retry and dead-lettering', async () => {
    const original = new NotFoundError('gone');
    expect(await errorOf(filter.catch(original, rpcHost({ topic: 'ticketing.intake.events' })))).toBe(original);
  });
});
