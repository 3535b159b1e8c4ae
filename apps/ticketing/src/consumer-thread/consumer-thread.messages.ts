import type { ConsumerGroupStatus } from '@ticketing/messaging';
import type { ContextName } from '@ticketing/contracts';
import type { TicketingConfig } from '@ticketing/platform';

/** What the main thread hands the consumer thread (workerData): the configuration and the contexts to run there. */
export type ConsumerThreadData = Readonly<{ config: TicketingConfig; contexts: readonly ContextName[] }>;

export type ConsumerThreadStatus = Readonly<{ healthy: boolean; groups: readonly ConsumerGroupStatus[] }>;

/** Main thread → consumer thread. After `stop` the thread closes its app and exits. */
export type ToConsumerThread = Readonly<{ type: 'status'; id: number }> | Readonly<{ type: 'stop' }>;

/** Consumer thread → main thread. */
export type FromConsumerThread =
  | Readonly<{ type: 'ready' }>
  | Readonly<{ type: 'failed'; error: string }>
  | Readonly<{ type: 'status'; id: number; status: ConsumerThreadStatus }>;
