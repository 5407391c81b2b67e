export { BLOB_STORE, BlobNotFound, InvalidBlobKey, isBufferBody, type BlobBody, type BlobInfo, type BlobStore, type PutOptions } from './port/blob-store.port';
export { BlobSizeMismatch } from './port/blob-size-mismatch.error';
export { InvalidBlobRange, assertValidBlobRange, type BlobRange } from './range/blob-range';
export { assertValidBlobKey, assertValidBlobPrefix, compareBlobKeys, MAX_BLOB_KEY_BYTES, MAX_BLOB_KEY_SEGMENT_BYTES } from './key/blob-key';
export { FilesystemBlobStore, BlobKeyConflict } from './adapters/filesystem/filesystem-blob-store';
export { BlobPathOutsideRoot } from './adapters/filesystem/contained-path';
export { writevFully } from './adapters/filesystem/writev-fully';
export { S3BlobStore, BlobTooLarge } from './adapters/s3/s3-blob-store';
export {
  s3BlobStoreOptionsFromUrl,
  InvalidS3BlobStoreUrl,
  DEFAULT_PART_SIZE,
  MIN_PART_SIZE,
  type S3BlobStoreOptions,
} from './adapters/s3/s3-blob-store.options';
export { PrefixedBlobStore } from './adapters/prefixed/prefixed-blob-store';
export { openBlobStore, type BlobStoreLocation, type FilesystemFlushMode } from './opening/open-blob-store';
export { alignedBuffer, alignDown, alignUp, isAlignedForDirectIo, DIRECT_IO_ALIGNMENT } from './direct-io/aligned-memory';
export { openMaybeDirect, writeDirect, isDirectIoRefused } from './direct-io/direct-file';
export { AlignedFileWriter, type AlignedFileWriterOptions } from './direct-io/aligned-file-writer';
export { readFileRange, readFileStart } from './direct-io/direct-read';
export { SlabPool, type SlabPair } from './direct-io/slab-pool';
export { RecentSlabs, type SharedRecentSlabs } from './direct-io/recent-slabs';
export { copyBytes } from './direct-io/copy-bytes';
export { forEachConcurrently } from './concurrency/for-each-concurrently';
export { readBlob } from './port/read-blob';
