import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { crc32 } from 'node:zlib';
import { join } from 'node:path';
import { Objection } from '@hangar/contracts';
import { centralRecordBytes, readZipLayout, seededRandom, withCentralRecords, writeUeBuildZip, type UeBuildZipOptions } from '@hangar/testing';
import { bufferRangeReadable } from '../archive-source/buffer-range-readable';
import { streamEntries } from '../streaming/streamed-entries';
import { inspectArchive, type ArchiveInspection } from './inspect-archive';

/**
 * Thousands of mutated archives, derived from small generated UE builds, through the whole scan: each must end
 * accepted or rejected with a known objection code, within a time bound; nothing may throw or hang. Deterministic:
 * set HANGAR_FUZZ_SEED (and HANGAR_FUZZ_CASES) to replay a run; a failure names its case number. Every case is
 * also streamed front to back (`streamEntries`, as the downloader does) and scanned again with what the stream found:
 * the verdict and its code must be the same.
 */
const SEED = process.env.HANGAR_FUZZ_SEED ?? 'hangar-fuzz-1';
const CASES = Number(process.env.HANGAR_FUZZ_CASES ?? 2500);
// A hang, not slowness: a case takes milliseconds alone, far more on a loaded CI machine.
const PER_ARCHIVE_MS = 30_000;
const CODES = new Set(Object.keys(Objection));

const BASES: UeBuildZipOptions[] = [
  { fileCount: 12, pakSize: 2048 },
  { fileCount: 10, pakSize: 1024, pakCompression: 'store', rootFolder: 'Windows' },
  { fileCount: 8, pakSize: 1024, zip64: true, pixelStreaming: 'none' },
  { fileCount: 14, pakSize: 512, ueVersion: null, extraFiles: [{ path: 'MyGame/Content/Movies/intro.mp4', content: Buffer.alloc(3000, 7) }] },
];

type Random = () => number;
const int = (random: Random, below: number) => Math.floor(random() * below);
const pick = <T>(random: Random, items: readonly T[]) => items[int(random, items.length)];
const garbage = (random: Random, length: number) => Buffer.from(Array.from({ length }, () => int(random, 256)));

/** The zip in pieces of random sizes, as the network delivers it. */
async function* inPieces(zip: Buffer, random: Random): AsyncGenerator<Buffer> {
  for (let at = 0; at < zip.length; ) {
    const length = 1 + int(random, 70_000);
    yield zip.subarray(at, at + length);
    at += length;
  }
}

/**
 * The scan of `zip` given what streaming it found (the downloader's path). Half the time the stream leaves the
 * CRC-32 to its consumer (`consumerChecksCrc`, as the downloader's ingest does), which keeps the evidence up to the
 * first entry whose bytes do not have the CRC-32 the zip declares, as the ingest does.
 */
async function inspectStreamed(zip: Buffer, random: Random): Promise<ArchiveInspection> {
  const consumerChecksCrc = random() < 0.5;
  const streamed = await streamEntries(
    inPieces(zip, random),
    async (_entry, contents) => {
      let crc = 0;
      for await (const piece of contents) if (consumerChecksCrc) crc = crc32(piece, crc);
      return crc >>> 0;
    },
    undefined,
    { consumerChecksCrc },
  );
  const checked = consumerChecksCrc ? streamed.entries.findIndex(({ entry, result }) => entry.crc32 !== result) : -1;
  const kept = checked === -1 ? streamed.entries : streamed.entries.slice(0, checked);
  const evidence = new Map(kept.map(({ entry }) => [entry.offset, entry]));
  return inspectArchive(bufferRangeReadable(zip, 1 + int(random, 8192)), undefined, { concurrency: 2, streamed: evidence });
}

/** Offsets of every header (local, central, end records): where flips do the most interesting damage. */
function headerOffsets(zip: Buffer): number[] {
  const layout = readZipLayout(zip);
  return [
    ...layout.records.flatMap((r) => [r.offset, r.localHeaderOffset]),
    layout.endOfCentralDirectoryOffset,
    ...(layout.zip64 ? [layout.zip64.recordOffset, layout.zip64.locatorOffset] : []),
  ];
}

const MUTATIONS: Record<string, (zip: Buffer, random: Random, headers: number[]) => Buffer> = {
  flipHeaderBytes: (zip, random, headers) => {
    const copy = Buffer.from(zip);
    for (let i = 1 + int(random, 4); i > 0; i--) {
      const at = Math.min(copy.length - 1, pick(random, headers) + int(random, 46));
      copy[at] ^= 1 << int(random, 8);
    }
    return copy;
  },
  flipAnyBytes: (zip, random) => {
    const copy = Buffer.from(zip);
    for (let i = 1 + int(random, 8); i > 0; i--) copy[int(random, copy.length)] = int(random, 256);
    return copy;
  },
  truncate: (zip, random) => zip.subarray(0, int(random, zip.length)),
  truncateKeepingEnd: (zip, random) => {
    // Cut out a slice, keeping the end records: offsets then point at the wrong bytes.
    const from = int(random, zip.length - 22);
    return Buffer.concat([zip.subarray(0, from), zip.subarray(from + 1 + int(random, zip.length - 22 - from))]);
  },
  duplicateCentralRecord: (zip, random) => {
    const records = centralRecordBytes(zip);
    records.splice(int(random, records.length + 1), 0, pick(random, records));
    return withCentralRecords(zip, records);
  },
  removeCentralRecord: (zip, random) => {
    const records = centralRecordBytes(zip);
    records.splice(int(random, records.length), 1);
    return withCentralRecords(zip, records);
  },
  lieAboutSizes: (zip, random) => {
    const records = centralRecordBytes(zip);
    const record = pick(random, records);
    const field = pick(random, [16, 20, 24]); // CRC-32, compressed size, uncompressed size
    record.writeUInt32LE(pick(random, [0, 1, 0xffffffff, int(random, 2 ** 32), record.readUInt32LE(field) + pick(random, [-1, 1, 4096])]) >>> 0, field);
    return withCentralRecords(zip, records);
  },
  lieAboutOffsets: (zip, random) => {
    const layout = readZipLayout(zip);
    const records = centralRecordBytes(zip, layout);
    const record = pick(random, records);
    const target = pick(random, [0, pick(random, layout.records).localHeaderOffset, int(random, zip.length), 0xffffffff, zip.length + 1]);
    record.writeUInt32LE(target >>> 0, 42);
    return withCentralRecords(zip, records);
  },
  mangleName: (zip, random) => {
    const records = centralRecordBytes(zip);
    const record = pick(random, records);
    const nameLength = record.readUInt16LE(28);
    if (nameLength > 0) record.write(pick(random, ['/', '\\', '..', ':', '\0', 'C:', '.']), 46 + int(random, nameLength), 'latin1');
    return withCentralRecords(zip, records);
  },
  setFlagsOrAttributes: (zip, random) => {
    const records = centralRecordBytes(zip);
    const record = pick(random, records);
    if (random() < 0.5) record.writeUInt16LE(record.readUInt16LE(8) ^ (1 << int(random, 16)), 8);
    else {
      record.writeUInt16LE((3 << 8) | 20, 4);
      record.writeUInt32LE((pick(random, [0o120777, 0o020644, 0o104755, 0o010644, 0o040755]) << 16) >>> 0, 38);
    }
    return withCentralRecords(zip, records);
  },
  overwriteRange: (zip, random) => {
    const copy = Buffer.from(zip);
    const at = int(random, copy.length);
    garbage(random, 1 + int(random, 64)).copy(copy, at);
    return copy;
  },
  randomGarbage: (_, random) => {
    const body = garbage(random, int(random, 8192));
    return random() < 0.5 ? Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), body]) : body;
  },
  garbageWithEndRecord: (zip, random) => Buffer.concat([garbage(random, int(random, 4096)), zip.subarray(zip.length - 22)]),
  prependOrAppend: (zip, random) => {
    const extra = garbage(random, 1 + int(random, 300));
    return random() < 0.5 ? Buffer.concat([extra, zip]) : Buffer.concat([zip, extra]);
  },
};
const NAMES = Object.keys(MUTATIONS);

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe('inspectArchive under fuzzing', () => {
  let dir: string;
  const bases: Buffer[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hangar-fuzz-'));
    for (const [i, options] of BASES.entries()) {
      bases.push(await readFile((await writeUeBuildZip(join(dir, `base-${i}.zip`), { seed: SEED, ...options })).path));
    }
    process.on('unhandledRejection', onUnhandled);
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await rm(dir, { recursive: true, force: true });
  });

  it('accepts every unmutated base', async () => {
    for (const base of bases) await expect(inspectArchive(bufferRangeReadable(base))).resolves.toMatchObject({ ok: true });
  });

  it(`ends every mutated archive accepted or rejected (seed ${SEED}, ${CASES} cases)`, async () => {
    console.log(`archive fuzz: seed ${SEED} (HANGAR_FUZZ_SEED to replay), ${CASES} cases`);
    const random = seededRandom(SEED, 'mutations');
    const headers = bases.map(headerOffsets);
    const outcomes = new Map<string, number>();
    const started = Date.now();
    for (let n = 0; n < CASES; n++) {
      const b = int(random, bases.length);
      const steps = [pick(random, NAMES), ...(random() < 0.25 ? [pick(random, NAMES)] : [])];
      let zip = bases[b];
      for (const step of steps) {
        // A structural mutation needs a readable layout; when an earlier step broke it, flip bytes instead.
        try {
          zip = MUTATIONS[step](zip, random, headers[b]);
        } catch {
          zip = MUTATIONS.flipAnyBytes(zip, random, headers[b]);
        }
      }
      const what = `case ${n} (base ${b}, ${steps.join(' + ')})`;
      let result: ArchiveInspection;
      try {
        result = await withTimeout(inspectArchive(bufferRangeReadable(zip, 1 + int(random, 8192)), undefined, { concurrency: 2 }), PER_ARCHIVE_MS, what);
      } catch (error) {
        throw new Error(`${what} threw: ${(error as Error).stack}`);
      }
      if (!result.ok) {
        if (!CODES.has(result.code) || typeof result.reason !== 'string' || result.reason.length === 0) {
          throw new Error(`${what} ended with an unknown code or no reason: ${JSON.stringify(result)}`);
        }
      }
      let streamed: ArchiveInspection;
      try {
        streamed = await withTimeout(inspectStreamed(zip, seededRandom(SEED, `stream-${n}`)), PER_ARCHIVE_MS, `${what}, streamed`);
      } catch (error) {
        throw new Error(`${what}, streamed, threw: ${(error as Error).stack}`);
      }
      if (streamed.ok !== result.ok || (!streamed.ok && !result.ok && streamed.code !== result.code)) {
        throw new Error(`${what}: streamed, the scan says ${JSON.stringify(streamed)}; without streaming ${JSON.stringify(result)}`);
      }
      const key = result.ok ? 'accepted' : result.code;
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    }
    console.log(`archive fuzz: ${CASES} cases in ${Date.now() - started} ms: ${JSON.stringify(Object.fromEntries(outcomes))}`);
    await new Promise((resolve) => setImmediate(resolve));
    expect(unhandled).toEqual([]);
  }, 900_000); // twice the scans of before (each case is also scanned as streamed) on a machine shared by several runs
});
