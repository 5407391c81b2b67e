export { blobStoreContract, collect, readAll, type BlobStoreFactory, type BlobStoreUnderTest } from './blob-store.contract';
export { slowPuts, type PutsSeen } from './slow-puts';
