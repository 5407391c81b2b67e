/** Where the content-addressed store keeps things in the blob store. */
export const CHUNKS_PREFIX = 'chunks/';
export const MANIFESTS_PREFIX = 'manifests/';
export const chunkKey = (sha256: string) => `${CHUNKS_PREFIX}${sha256}`;
export const manifestKey = (uploadId: string) => `${MANIFESTS_PREFIX}${uploadId}.json`;
