import { deflateRawSync } from 'node:zlib';
import { seededBytes } from '@hangar/testing';
import { InflateFailed, RawInflater } from './raw-inflater';

/** 3 MiB that deflate to about a third: inflating them into 1 MiB of room takes several calls. */
const original = Buffer.concat([seededBytes('raw-inflater', 'original', 1024 * 1024), Buffer.alloc(2 * 1024 * 1024, 7)]);
const deflated = deflateRawSync(original);

/** Inflates `input` into `room` bytes at a time (as a ring hands it out): what came out, what was read, whether it ended. */
function inflateAll(inflater: RawInflater, input: Buffer, room: number, finish = false) {
  const out: Buffer[] = [];
  let read = 0;
  for (let calls = 0; calls < 1000; calls++) {
    const into = Buffer.alloc(room);
    const step = inflater.inflate(input.subarray(read), into, finish);
    read += step.read;
    out.push(into.subarray(0, step.written));
    if (step.ended) return { out: Buffer.concat(out), read, ended: true };
    if (read === input.length && step.written < room) return { out: Buffer.concat(out), read, ended: false };
  }
  throw new Error('the inflater made no progress');
}

describe('RawInflater: raw deflate inflated into memory the caller owns', () => {
  it('given a deflate stream and the bytes after it, when inflated into small room, then the original comes out and it stops exactly at the end of the stream', () => {
    const inflater = new RawInflater();
    const after = Buffer.from('PK\x03\x04 the next local header');
    const { out, read, ended } = inflateAll(inflater, Buffer.concat([deflated, after]), 256 * 1024);
    expect(ended).toBe(true);
    expect(read).toBe(deflated.length);
    expect(out.equals(original)).toBe(true);
    inflater.close();
  });

  it('given a stream that ends exactly where its input does, when the next input comes, then none of it is taken', () => {
    const inflater = new RawInflater();
    const first = inflateAll(inflater, deflated, 4 * 1024 * 1024);
    expect(first).toMatchObject({ read: deflated.length });
    expect(first.out.equals(original)).toBe(true);
    // Nothing said "ended" yet: the input ran out at the same moment as the stream.
    expect(first.ended).toBe(false);
    const next = inflater.inflate(Buffer.from('after'), Buffer.alloc(1024));
    expect(next).toEqual({ read: 0, written: 0, ended: true });
    inflater.close();
  });

  it('given a stream cut short, when its input is the last there is (finish), then it fails as truncated', () => {
    const inflater = new RawInflater();
    const cut = deflated.subarray(0, deflated.length - 100);
    expect(inflateAll(inflater, cut, 4 * 1024 * 1024).ended).toBe(false);
    expect(() => inflater.inflate(Buffer.alloc(0), Buffer.alloc(1024), true)).toThrow(new InflateFailed('unexpected end of file'));
    inflater.close();
  });

  it('given bytes that are not deflate data, when inflated, then it fails with zlib\'s reason', () => {
    const inflater = new RawInflater();
    expect(() => inflater.inflate(Buffer.alloc(64, 0xff), Buffer.alloc(1024))).toThrow(InflateFailed);
    inflater.close();
  });

  it('given one stream inflated, or one that failed, when reset, then the next stream inflates with the same inflater', () => {
    const inflater = new RawInflater();
    inflateAll(inflater, deflated, 1024 * 1024);
    inflater.reset();
    expect(() => inflater.inflate(Buffer.alloc(64, 0xff), Buffer.alloc(1024))).toThrow(InflateFailed);
    inflater.reset();
    const small = Buffer.from('a small file, deflated on its own');
    const { out, ended } = inflateAll(inflater, deflateRawSync(small), 1024, true);
    expect(ended).toBe(true);
    expect(out.toString()).toBe(small.toString());
    inflater.close();
  });

  it('given a finished stream whose output does not fit the room, when finishing, then it goes on until all is out', () => {
    const inflater = new RawInflater();
    const { out, ended } = inflateAll(inflater, deflated, 64 * 1024, true);
    expect(ended).toBe(true);
    expect(out.equals(original)).toBe(true);
    inflater.close();
  });
});
