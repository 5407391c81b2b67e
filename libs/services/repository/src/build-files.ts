/**
 * Everything Hangar keeps under a build's own prefixes: the uploaded zip (the downloader's) and, for builds stored
 * before chunking, one object per file and a manifest. Chunked builds have `manifests/<uploadId>.json` instead.
 */
export const buildObjectPrefixes = (uploadId: string) => [`builds/${uploadId}/`, `uploads/${uploadId}/`];
