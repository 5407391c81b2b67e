export { writeUeBuildZip, writeNotAZip, type UeBuildZip, type UeBuildZipOptions } from './ue-build-zip';
export { seededByteStream, seededBytes, seededRandom } from './seeded-bytes';
export { corruptEntryData, locateEntry, markEntryEncrypted, renameEntry, type EntryHeaders } from './zip-patch';
