export { eventStoreContract, uniqueStream, type EventStoreUnderTest } from './event-store.contract';
export { checkpointStoreContract, type CheckpointStoreUnderTest } from './checkpoint-store.contract';
