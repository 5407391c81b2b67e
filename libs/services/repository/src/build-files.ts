/** Where the repository keeps a build: one object per file, and the manifest the workers materialise from. */
export const buildFilesPrefix = (uploadId: string) => `builds/${uploadId}/files/`;
export const buildFileKey = (uploadId: string, path: string) => `${buildFilesPrefix(uploadId)}${path}`;
/** Everything Hangar keeps for a build: its files and manifest, and the uploaded zip (the downloader's). */
export const buildObjectPrefixes = (uploadId: string) => [`builds/${uploadId}/`, `uploads/${uploadId}/`];
export const buildManifestKey = (uploadId: string) => `builds/${uploadId}/manifest.json`;
