/**
 * The ingest thread's entry (see `IngestThread`): reads the zip from the growing staging file, chunks it into the
 * store with `ingestStream`, and reports what it found. Runs in a worker thread, with a blob store of its own.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openBlobStore, RecentSlabs } from '@hangar/blob-store';
import { GrowingFile } from './growing-file';
import type { IngestThreadCommand, IngestThreadData, IngestThreadOutcome } from './ingest-thread.messages';
import { heldBytesFor, ingestStream } from './streamed-ingest';
import { runThisThreadInBackground } from '../threads/background-priority';

class IngestAborted extends Error {
  constructor() {
    super('the download stopped: the ingest was aborted');
    this.name = 'IngestAborted';
  }
}

const port = parentPort;
if (!port) throw new Error('ingest-thread.worker runs in a worker thread');
// Below the event loop that receives the download (see BACKGROUND_THREAD_NICE).
runThisThreadInBackground();
const data = (workerData as { data: IngestThreadData }).data;
// The file's pieces go to the parser and, for stored data, to the chunker as they are: kept as long as the ingest reads them.
const recent = data.recentSlabs ? RecentSlabs.attach(data.recentSlabs) : undefined;
const file = new GrowingFile(data.path, { heldBytes: heldBytesFor(data.chunking), recent });
port.on('message', (command: IngestThreadCommand) => {
  if (command.type === 'grew') file.grew(command.bytes);
  else if (command.type === 'ended') file.ended(command.bytes);
  else file.abort(new IngestAborted());
});
const blobs = openBlobStore(data.location);
const report = (outcome: IngestThreadOutcome) => port.postMessage(outcome);
ingestStream(blobs, file.read(), data.chunking, data.limits, data.extractTo)
  .then(
    (findings) => report({ type: 'done', findings, read: { ...file.taken } }),
    (error: Error) => report({ type: 'failed', name: error.name, message: error.message }),
  )
  .finally(async () => {
    await blobs.close().catch(() => undefined);
    port.close();
  });
