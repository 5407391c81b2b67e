export { writeUeBuildZip, writeNotAZip, type UeBuildZip, type UeBuildZipOptions } from './ue-build-zip';
export { seededByteStream, seededBytes, seededRandom } from './seeded-bytes';
export { corruptEntryData, locateEntry, markEntryEncrypted, renameEntry, type EntryHeaders } from './zip-patch';
export {
  centralRecord,
  centralRecordBytes,
  readZipLayout,
  withCentralRecords,
  withEntryHeaders,
  type CentralRecord,
  type EntryHeaderFields,
  type ZipLayout,
} from './zip-layout';
export { sparseZip64, type SparseZip64, type SparseZipEntry } from './sparse-zip64';
