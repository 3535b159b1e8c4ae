import { eventStoreContract } from '../testing';
import { MemoryEventStore } from './memory-event-store.adapter';

eventStoreContract('memory', async (options) => ({ store: new MemoryEventStore(options) }));
