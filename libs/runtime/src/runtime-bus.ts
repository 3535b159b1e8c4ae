import type { BusTransport } from '@ticketing/messaging';
import type { ContextRelayStatus } from './relay/relay.runner';

/**
 * The bus transport of a process, embedded or Kafka: a Nest transport strategy dispatching
 * `@EventPattern` handlers, with the status and dead-letter operations ops relies on.
 */
export type RuntimeBus = BusTransport;

/**
 * The relays of one process (docs/architecture.md §5): for each context it owns, tail the event store's
 * streams of that context and publish them to the context's Kafka topic, on the replica that
 * holds the context's lease. Absent on the embedded bus, where consumers read the log directly.
 */
export interface RuntimeRelay {
  start(): Promise<void>;
  /** One entry per relayed context: leader or standby, and how far behind the log head. */
  status(): Promise<readonly ContextRelayStatus[]>;
  close(): Promise<void>;
}
