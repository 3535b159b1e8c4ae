import { Metadata } from '@grpc/grpc-js';
import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { CLOCK, type Clock } from '@ticketing/kernel';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { actorCarrier, attachedActor } from '../auth/auth.decorators';
import { assertIdempotencyKey, IDEMPOTENCY_HEADER, idempotencyScopeOf, refusalOf } from './idempotency.rules';
import { fingerprintOf, IdempotencyStore } from './idempotency.store';

type KeyedCall = Readonly<{ key: string; fingerprint: string }>;

/** The key and what makes two calls "the same request", or undefined when the call carries no key. */
function keyedCall(context: ExecutionContext): KeyedCall | undefined {
  const metadata: unknown = context.switchToRpc().getContext();
  if (context.getType() !== 'rpc' || !(metadata instanceof Metadata)) return undefined;
  const [value] = metadata.get(IDEMPOTENCY_HEADER);
  if (value === undefined) return undefined;
  const method = `${context.getClass().name}.${context.getHandler().name}`;
  // The whole request message, ticket id included: the same key on another ticket is another request.
  return { key: typeof value === 'string' ? value : value.toString('utf8'), fingerprint: fingerprintOf('GRPC', method, context.switchToRpc().getData()) };
}

/**
 * `idempotency-key` metadata on gRPC writes: the first response is stored and returned again for the
 * same key and the same request; the same key with another request is FAILED_PRECONDITION; while the
 * first is still running, ALREADY_EXISTS. Keys are per caller. (HTTP routes use `@Idempotent()`.)
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly store: IdempotencyStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const call = keyedCall(context);
    return call === undefined ? next.handle() : from(this.run(context, call, next));
  }

  private async run(context: ExecutionContext, { key, fingerprint }: KeyedCall, next: CallHandler): Promise<unknown> {
    assertIdempotencyKey(key);
    const carrier = actorCarrier(context);
    const actor = carrier && attachedActor(carrier);
    const scope = idempotencyScopeOf(actor);
    const reservation = await this.store.reserve({ scope, key, fingerprint, now: this.clock.now() });
    if (reservation.kind === 'replay') return reservation.body;
    if (reservation.kind !== 'new') throw refusalOf(reservation, key);
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
