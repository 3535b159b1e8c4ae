import type { MessageHandler } from '@nestjs/microservices';

/** Consumer group of an `@EventPattern` that names none. */
export const DEFAULT_GROUP = 'default';

/** Extras a bus handler may pass as `@EventPattern(type, { group })`. */
export type BusHandlerExtras = Readonly<{ group?: string }>;

const GROUP_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

/**
 * The consumer group named in a handler's `@EventPattern` extras, `DEFAULT_GROUP` when none.
 * Throws on a malformed name so a typo fails the boot instead of silently creating a new group
 * that would start from position 0.
 */
export function groupOf(extras: Readonly<Record<string, unknown>> | undefined): string {
  const group = extras?.['group'];
  if (group === undefined) return DEFAULT_GROUP;
  if (typeof group !== 'string' || !GROUP_NAME.test(group)) {
    throw new Error(`Invalid consumer group ${JSON.stringify(group)}: expected 1-100 of [A-Za-z0-9._:-]`);
  }
  return group;
}

/** A Nest event handler as Nest hands it to a transport's `addHandler`. */
export type BusHandler = MessageHandler<unknown, unknown, unknown>;

/**
 * Event handlers by consumer group and event type, in registration order.
 *
 * Nest's own `Server.addHandler` chains every handler of a pattern into one callback that runs
 * them all; a bus needs them apart, because each group consumes, retries and checkpoints on its
 * own. Transports keep this registry instead.
 */
export class BusHandlerRegistry {
  private readonly byGroup = new Map<string, Map<string, BusHandler[]>>();

  add(eventType: string, handler: BusHandler, extras?: Readonly<Record<string, unknown>>): string {
    const group = groupOf(extras);
    let types = this.byGroup.get(group);
    if (!types) this.byGroup.set(group, (types = new Map()));
    const handlers = types.get(eventType) ?? [];
    types.set(eventType, [...handlers, handler]);
    return group;
  }

  groups(): string[] {
    return [...this.byGroup.keys()].sort();
  }

  hasGroup(group: string): boolean {
    return this.byGroup.has(group);
  }

  /** Event types the group handles, sorted: the filter of its subscription. */
  eventTypes(group: string): string[] {
    return [...(this.byGroup.get(group)?.keys() ?? [])].sort();
  }

  handlersFor(group: string, eventType: string): readonly BusHandler[] {
    return this.byGroup.get(group)?.get(eventType) ?? [];
  }
}
