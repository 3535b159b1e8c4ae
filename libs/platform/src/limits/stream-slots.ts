import { TooManyRequestsError, type Actor } from '@ticketing/kernel';
import type { StreamLimitsConfig } from '../config/ticketing-config';
import { actorKeyOf } from './rate-limits';

/** One open stream's place; `release` is idempotent, so every way a stream ends may call it. */
export type StreamSlot = Readonly<{ release: () => void }>;

/**
 * Caps on concurrently open streams (SSE, gRPC server streams), per actor and in total
 * (TICKETING_STREAMS_PER_ACTOR, TICKETING_STREAMS_TOTAL): each holds a subscription and a socket.
 */
export class StreamSlots {
  private readonly byActor = new Map<string, number>();
  private total = 0;

  constructor(private readonly caps: Pick<StreamLimitsConfig, 'perActor' | 'total'>) {}

  /** Takes a slot for `actor`; TooManyRequestsError when the actor or the process is at its cap. */
  acquire(actor: Pick<Actor, 'kind' | 'id'>): StreamSlot {
    const key = actorKeyOf(actor);
    const mine = this.byActor.get(key) ?? 0;
    if (mine >= this.caps.perActor) {
      throw new TooManyRequestsError(`You have ${mine} streams open, the most one caller may hold: close one first.`, undefined, {
        limit: this.caps.perActor,
        scope: 'actor',
      });
    }
    if (this.total >= this.caps.total) {
      throw new TooManyRequestsError('The server holds as many streams as it may: try again later.', undefined, {
        limit: this.caps.total,
        scope: 'total',
      });
    }
    this.byActor.set(key, mine + 1);
    this.total += 1;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.total -= 1;
        const left = (this.byActor.get(key) ?? 1) - 1;
        if (left === 0) this.byActor.delete(key);
        else this.byActor.set(key, left);
      },
    };
  }

  /** Streams open now, in total or of one actor. */
  openCount(actor?: Pick<Actor, 'kind' | 'id'>): number {
    return actor === undefined ? this.total : (this.byActor.get(actorKeyOf(actor)) ?? 0);
  }
}
