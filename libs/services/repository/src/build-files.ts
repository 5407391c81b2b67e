/** Where the repository keeps a build: one object per file, and the manifest the workers materialise from. */
export const buildFilesPrefix = (uploadId: string) => `builds/${uploadId}/files/`;
export const buildFileKey = (uploadId: string, path: string) => `${buildFilesPrefix(uploadId)}${path}`;
export const buildManifestKey = (uploadId: string) => `builds/${uploadId}/manifest.json`;
