import type { IngestReport } from '@hangar/contracts';
import { readBlob, type BlobStore } from '@hangar/blob-store';

export async function writeIngestReport(blobs: BlobStore, key: string, report: IngestReport): Promise<void> {
  await blobs.put(key, Buffer.from(JSON.stringify(report)), { contentType: 'application/json' });
}

/** The report, or null when it is gone (the build deleted) or unreadable: the caller then reads the zip itself. */
export async function readIngestReport(blobs: BlobStore, key: string): Promise<IngestReport | null> {
  try {
    const report = JSON.parse((await readBlob(blobs, key)).toString('utf8')) as IngestReport;
    return report.version === 1 ? report : null;
  } catch {
    return null;
  }
}
