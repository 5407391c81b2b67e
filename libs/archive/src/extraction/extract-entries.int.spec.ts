import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import * as yauzl from 'yauzl';
import { writeUeBuildZip } from '@hangar/testing';
import { ArchiveUnreadable } from '../rejection/archive-rejection.error';
import { extractEntries } from './extract-entries';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hangar-extract-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function sha256(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The same digests, computed with yauzl alone, as the reference. */
async function referenceDigests(path: string): Promise<Map<string, string>> {
  const zip = await yauzl.openPromise(path, { lazyEntries: true });
  const digests = new Map<string, string>();
  for await (const entry of zip.eachEntry()) digests.set(entry.fileName, await sha256(await zip.openReadStreamPromise(entry)));
  return digests;
}

describe('extractEntries', () => {
  it('hands every file to the consumer with its exact bytes', async () => {
    const build = await writeUeBuildZip(join(dir, 'good.zip'), { fileCount: 120, pakSize: 2 * 1024 * 1024 });
    const seen = new Map<string, string>();
    const summary = await extractEntries(build.path, async (entry, stream) => {
      seen.set(entry.path, await sha256(stream));
    }, { concurrency: 3 });
    expect(summary).toEqual({ fileCount: 120, totalSize: build.totalSize });
    expect(seen).toEqual(await referenceDigests(build.path));
  });

  it('fails with ArchiveUnreadable when an entry does not match its CRC, even for a consumer that stops reading', async () => {
    const build = await writeUeBuildZip(join(dir, 'corrupt.zip'), { fileCount: 50, corruptEntry: 'pak' });
    await expect(extractEntries(build.path, (_, stream) => sha256(stream).then(() => undefined))).rejects.toThrow(
      /^entry MyGame\/Content\/Paks\/MyGame-Windows\.pak: CRC mismatch/,
    );
    const lazy = extractEntries(build.path, async () => undefined);
    await expect(lazy).rejects.toBeInstanceOf(ArchiveUnreadable);
  });

  it("reports the archive's fault rather than the consumer's when both fail", async () => {
    const build = await writeUeBuildZip(join(dir, 'corrupt2.zip'), { fileCount: 50, corruptEntry: 'pak', pakCompression: 'store' });
    const failing = extractEntries(build.path, async (_, stream) => {
      await new Promise<void>((resolve, reject) => {
        stream.on('error', () => reject(new Error('blob store put failed')));
        stream.on('end', resolve);
        stream.resume();
      });
    });
    await expect(failing).rejects.toThrow(ArchiveUnreadable);
  });

  it("passes the consumer's own error through", async () => {
    const build = await writeUeBuildZip(join(dir, 'good2.zip'), { fileCount: 20 });
    await expect(extractEntries(build.path, async () => { throw new Error('disk full'); })).rejects.toThrow('disk full');
  });
});
