import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { DownloadStaging } from './download-staging';

describe('the staging file a download is written to', () => {
  let dir: string;
  let staging: DownloadStaging;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hangar-staging-'));
    staging = new DownloadStaging(dir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes every piece in order, telling how far the file is complete after each write', async () => {
    const bytes = randomBytes(5 * 1024 * 1024 + 17);
    const pieces = Array.from({ length: Math.ceil(bytes.length / 65_536) }, (_, i) => bytes.subarray(i * 65_536, (i + 1) * 65_536));
    const told: number[] = [];
    await expect(staging.write('u1', Readable.from(pieces, { objectMode: false }), 0, (n) => told.push(n))).resolves.toBe(bytes.length);
    expect(readFileSync(staging.partPath('u1')).equals(bytes)).toBe(true);
    expect(told.at(-1)).toBe(bytes.length);
    expect(told).toEqual([...told].sort((a, b) => a - b));
  });

  it('puts the bytes of a slow download into the file as they come, not only once a slab is full', async () => {
    const slow = new PassThrough();
    const told: number[] = [];
    const written = staging.write('slow', slow, 0, (n) => told.push(n));
    const first = randomBytes(100_000);
    slow.write(first);
    for (const deadline = Date.now() + 5000; told.length === 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
    // Whole 4 KiB blocks are written at once; the rest of the last one waits for more bytes, or the end.
    expect(told).toEqual([98_304]);
    expect(readFileSync(staging.partPath('slow')).equals(first.subarray(0, 98_304))).toBe(true);
    slow.end(Buffer.from('end'));
    await expect(written).resolves.toBe(100_003);
  });

  it('continues a file from an offset', async () => {
    await staging.write('u2', Readable.from([Buffer.from('hello ')]), 0);
    await expect(staging.write('u2', Readable.from([Buffer.from('world')]), 6)).resolves.toBe(11);
    expect(readFileSync(staging.partPath('u2'), 'utf8')).toBe('hello world');
  });

  it('fails with the stream, also when it failed before the file was open', async () => {
    const early = new PassThrough();
    early.destroy(new Error('refused before the first byte'));
    await expect(staging.write('u3', early, 0)).rejects.toThrow('refused before the first byte');

    const midway = new PassThrough();
    const written = staging.write('u4', midway, 0);
    const sent = randomBytes(3 * 1024 * 1024 + 100_000);
    midway.write(sent);
    setTimeout(() => midway.destroy(new Error('connection reset')), 50);
    await expect(written).rejects.toThrow('connection reset');
    // What the file keeps is what was sent, never more: a resume starts at its end.
    const kept = readFileSync(staging.partPath('u4'));
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.equals(sent.subarray(0, kept.length))).toBe(true);
  });
});
