export { eventStoreContract } from './event-store.contract';
export type { EventStoreContractFactory } from './event-store.contract';
