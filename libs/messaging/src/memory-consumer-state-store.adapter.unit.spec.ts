import { consumerStateStoreContract } from './consumer-state-store.contract';
import { MemoryConsumerStateStore } from './memory-consumer-state-store.adapter';

consumerStateStoreContract('MemoryConsumerStateStore', async () => new MemoryConsumerStateStore());
