import { Metadata } from '@grpc/grpc-js';
import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { CLOCK, ConflictError, UnprocessableError, ValidationError, type Clock } from '@ticketing/kernel';
import { attachedActor, fingerprintOf, IDEMPOTENCY_HEADER, IdempotencyStore } from '@ticketing/platform';
import { from, lastValueFrom, type Observable } from 'rxjs';

const KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * Metadata `idempotency-key` on gRPC writes, with the REST semantics and the same store: the first
 * response again for the same key and request; FAILED_PRECONDITION (422) for the same key with
 * another request; ALREADY_EXISTS (409) while the first is still running. Keys are per caller.
 */
@Injectable()
export class GrpcIdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly store: IdempotencyStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const metadata: unknown = context.switchToRpc().getContext();
    if (context.getType() !== 'rpc' || !(metadata instanceof Metadata)) return next.handle();
    const [value] = metadata.get(IDEMPOTENCY_HEADER);
    if (value === undefined) return next.handle();
    return from(this.run(context, metadata, typeof value === 'string' ? value : value.toString('utf8'), next));
  }

  private async run(context: ExecutionContext, metadata: Metadata, key: string, next: CallHandler): Promise<unknown> {
    if (!KEY.test(key)) {
      throw new ValidationError('Invalid idempotency-key: 1 to 255 visible ASCII characters', [
        { field: 'idempotency-key', message: '1 to 255 visible ASCII characters' },
      ]);
    }
    const actor = attachedActor(metadata);
    const scope = actor ? `${actor.kind}:${actor.id}` : 'anonymous';
    // The method and the whole request (ticket id included): the same key on another ticket is another request.
    const fingerprint = fingerprintOf('GRPC', `${context.getClass().name}.${context.getHandler().name}`, context.switchToRpc().getData());
    const reservation = await this.store.reserve({ scope, key, fingerprint, now: this.clock.now() });
    switch (reservation.kind) {
      case 'replay':
        return reservation.body;
      case 'mismatch':
        throw new UnprocessableError('This idempotency-key was used with a different request', { idempotencyKey: key });
      case 'in_progress':
        throw new ConflictError('A request with this idempotency-key is still being processed; retry shortly', { idempotencyKey: key });
      case 'new':
        break;
    }
    try {
      const body = await lastValueFrom(next.handle(), { defaultValue: undefined });
      await this.store.complete(scope, key, body);
      return body;
    } catch (error) {
      await this.store.release(scope, key);
      throw error;
    }
  }
}
