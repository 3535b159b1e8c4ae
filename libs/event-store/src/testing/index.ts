export { eventStoreContract } from './event-store.contract';
export type { EventStoreContractCapabilities, EventStoreContractFactory } from './event-store.contract';
