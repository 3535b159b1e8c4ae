import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { ConflictError, UnprocessableError, ValidationError, CLOCK, type Clock } from '@ticketing/kernel';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { actorCarrier, attachedActor } from '../auth/auth.decorators';
import { fingerprintOf, IdempotencyStore } from './idempotency.store';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
const KEY = /^[\x21-\x7e]{1,255}$/;

type HttpRequest = { method: string; url: string; headers: Record<string, string | string[] | undefined>; body?: unknown; routeOptions?: { url?: string } };

/**
 * `Idempotency-Key` on writes: the first response is stored and returned again for the same key and
 * the same request; the same key with another request is a 422; while the first is still running, 409.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly store: IdempotencyStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<HttpRequest>();
    const header = request.headers[IDEMPOTENCY_HEADER];
    if (header === undefined) return next.handle();
    return from(this.run(context, request, Array.isArray(header) ? header[0] : header, next));
  }

  private async run(context: ExecutionContext, request: HttpRequest, key: string, next: CallHandler): Promise<unknown> {
    if (!KEY.test(key)) {
      throw new ValidationError('Invalid Idempotency-Key', [{ field: 'Idempotency-Key', message: '1 to 255 visible ASCII characters' }]);
    }
    const carrier = actorCarrier(context);
    const actor = carrier && attachedActor(carrier);
    const scope = actor ? `${actor.kind}:${actor.id}` : 'anonymous';
    // The concrete URL, not the route pattern: the same key on another ticket is another request.
    const fingerprint = fingerprintOf(request.method, request.url, request.body);
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
