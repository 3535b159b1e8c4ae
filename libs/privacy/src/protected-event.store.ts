import { ForwardingEventStore, type AppendOptions, type AppendResult, type EventStore, type EventSubscription, type NewEvent, type ReadAllOptions, type ReadStreamOptions, type RecordedEvent, type SubscribeOptions } from '@ticketing/event-store';
import type { PersonalDataProtection } from './personal-data.protection';

/**
 * The event store as the application sees it: personal fields sealed on append, opened on every
 * read. `stored` is the same store as recorded (ciphertext), for what must match the hashes:
 * chain verification, signed exports, and the relay to Kafka.
 */
export class ProtectedEventStore extends ForwardingEventStore {
  /** Settles once every append called so far has reached the stored store. */
  private previous: Promise<unknown> = Promise.resolve();

  constructor(
    readonly stored: EventStore,
    readonly protection: PersonalDataProtection,
  ) {
    super(stored);
  }

  /**
   * Seals, then appends — in the order of the calls, whatever each sealing awaits: appends issued
   * back to back (the next expecting the revision the previous one makes) reach the store as
   * issued, and still in one turn of the event loop (the SQLite store's group commit).
   */
  override append(streamName: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    const sealed = Array.isArray(events) ? this.protection.seal(events) : Promise.resolve(events);
    const handedOver = Promise.all([sealed, this.previous]);
    // The next call waits for this one to be handed over (not for its commit); a failed sealing frees it too.
    this.previous = handedOver.catch(() => undefined);
    return handedOver.then(([ready]) => this.stored.append(streamName, ready, options));
  }

  override readStream(streamName: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent> {
    return this.revealing(this.stored.readStream(streamName, options));
  }

  override readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent> {
    return this.revealing(this.stored.readAll(options));
  }

  override subscribe(options?: SubscribeOptions): EventSubscription {
    const subscription = this.stored.subscribe(options);
    const revealed = this.revealing(subscription);
    return { [Symbol.asyncIterator]: () => revealed[Symbol.asyncIterator](), close: () => subscription.close() };
  }

  private async *revealing(events: AsyncIterable<RecordedEvent>): AsyncGenerator<RecordedEvent> {
    for await (const event of events) yield this.protection.reveal(event);
  }
}

/** The store as recorded behind a protected one, or the store itself when it is not protected. */
export const storedEventsOf = (store: EventStore): EventStore => (store instanceof ProtectedEventStore ? store.stored : store);
