export { chunkStream, findCutPoint } from './chunking/content-defined-chunker';
export { chunkingFor, DEFAULT_AVG_CHUNK_BYTES, InvalidChunkingOptions, type ChunkingOptions } from './chunking/chunking-options';
export { CHUNKS_PREFIX, MANIFESTS_PREFIX, chunkKey, manifestKey } from './content-store/content-keys';
export { readManifest, chunkHashesOf } from './content-store/manifest-io';
export { writeContents, type WrittenContents } from './content-store/chunk-writer';
export { storeBuild, copyBuild, type BuildIdentity } from './content-store/build-storage';
export { collectGarbage, type CollectionResult } from './collection/garbage-collector';
export { confirmChunks, ChunksMissing } from './collection/chunk-confirmation';
