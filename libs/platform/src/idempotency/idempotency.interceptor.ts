import { Metadata } from '@grpc/grpc-js';
import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { ConflictError, UnprocessableError, ValidationError, CLOCK, type Clock } from '@ticketing/kernel';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { actorCarrier, attachedActor } from '../auth/auth.decorators';
import { fingerprintOf, IdempotencyStore } from './idempotency.store';

/** The HTTP header and the gRPC metadata key. */
export const IDEMPOTENCY_HEADER = 'idempotency-key';
const KEY = /^[\x21-\x7e]{1,255}$/;

type HttpRequest = { method: string; url: string; headers: Record<string, string | string[] | undefined>; body?: unknown };

type KeyedCall = Readonly<{ key: string; fingerprint: string }>;

/** The key and what makes two calls "the same request", or undefined when the call carries no key. */
function keyedCall(context: ExecutionContext): KeyedCall | undefined {
  if (context.getType() === 'http') {
    const request = context.switchToHttp().getRequest<HttpRequest>();
    const header = request.headers[IDEMPOTENCY_HEADER];
    if (header === undefined) return undefined;
    // The concrete URL, not the route pattern: the same key on another ticket is another request.
    return { key: Array.isArray(header) ? header[0] : header, fingerprint: fingerprintOf(request.method, request.url, request.body) };
  }
  const metadata: unknown = context.switchToRpc().getContext();
  if (context.getType() !== 'rpc' || !(metadata instanceof Metadata)) return undefined;
  const [value] = metadata.get(IDEMPOTENCY_HEADER);
  if (value === undefined) return undefined;
  const method = `${context.getClass().name}.${context.getHandler().name}`;
  // The whole request message, ticket id included, for the same reason.
  return { key: typeof value === 'string' ? value : value.toString('utf8'), fingerprint: fingerprintOf('GRPC', method, context.switchToRpc().getData()) };
}

/**
 * `Idempotency-Key` on writes, over HTTP (header) and gRPC (metadata): the first response is stored
 * and returned again for the same key and the same request; the same key with another request is a
 * 422 (gRPC FAILED_PRECONDITION); while the first is still running, 409 (ALREADY_EXISTS). Keys are per caller.
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
    if (!KEY.test(key)) {
      throw new ValidationError('Invalid Idempotency-Key (idempotency-key): 1 to 255 visible ASCII characters', [
        { field: 'Idempotency-Key', message: '1 to 255 visible ASCII characters' },
      ]);
    }
    const carrier = actorCarrier(context);
    const actor = carrier && attachedActor(carrier);
    const scope = actor ? `${actor.kind}:${actor.id}` : 'anonymous';
    const reservation = await this.store.reserve({ scope, key, fingerprint, now: this.clock.now() });
    switch (reservation.kind) {
      case 'replay':
        return reservation.body;
      case 'mismatch':
        throw new UnprocessableError('This Idempotency-Key was used with a different request', { idempotencyKey: key });
      case 'in_progress':
        throw new ConflictError('A request with this Idempotency-Key is still being processed; retry shortly', { idempotencyKey: key });
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
