import { Server, type MessageHandler } from '@nestjs/microservices';
import { BusHandlerRegistry, type BusHandler } from './bus-handler.registry';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- listener signatures vary per transport
type Listeners = Record<string, (...args: any[]) => void>;

/**
 * What every bus transport (embedded, Kafka) shares: `@EventPattern` handlers registered by group
 * and event type, request handlers refused, and typed status listeners.
 */
export abstract class BusServer<Events extends Listeners, Status extends string> extends Server<Events, Status> {
  protected readonly registry = new BusHandlerRegistry();
  private readonly listeners = new Map<keyof Events, Set<Events[keyof Events]>>();

  /**
   * Called by Nest for every `@EventPattern`/`@MessagePattern` while the app initialises, before
   * `listen`: the registry is complete as soon as the microservice is connected/initialised.
   */
  override addHandler(pattern: unknown, callback: MessageHandler, isEventHandler = false, extras: Record<string, unknown> = {}): void {
    const route = this.normalizePattern(pattern as string);
    if (!isEventHandler) {
      this.logger.warn(`Ignoring @MessagePattern(${route}): the bus delivers events, it does not answer requests`);
      return;
    }
    if (typeof pattern !== 'string') {
      this.logger.warn(`Ignoring @EventPattern(${route}): bus patterns are event type names`);
      return;
    }
    callback.isEventHandler = true;
    callback.extras = extras;
    this.registry.add(pattern, callback as BusHandler, extras);
  }

  /** Consumer groups with at least one handler, and the event types each consumes. */
  subscriptions(): ReadonlyMap<string, readonly string[]> {
    return new Map(this.registry.groups().map((group) => [group, this.registry.eventTypes(group)]));
  }

  on<K extends keyof Events>(event: K, callback: Events[K]): void {
    let callbacks = this.listeners.get(event);
    if (!callbacks) this.listeners.set(event, (callbacks = new Set()));
    callbacks.add(callback);
  }

  /** Tells every listener; a listener that throws is logged and never breaks the bus. */
  protected emit<K extends keyof Events>(event: K, ...args: Parameters<Events[K]>): void {
    for (const callback of this.listeners.get(event) ?? []) {
      try {
        callback(...args);
      } catch (error) {
        this.logger.error(`A listener of "${String(event)}" threw`, error instanceof Error ? error.stack : error);
      }
    }
  }
}
