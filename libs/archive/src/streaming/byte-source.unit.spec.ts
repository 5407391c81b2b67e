import { crc32 } from 'node:zlib';
import { ByteSource } from './byte-source';

/** A signed data descriptor for `data`: 32-bit sizes (16 bytes) or zip64's 64-bit ones (24 bytes). */
function descriptorFor(data: Buffer, wide: boolean): Buffer {
  const d = Buffer.alloc(wide ? 24 : 16);
  d.writeUInt32LE(0x08074b50, 0);
  d.writeUInt32LE(crc32(data) >>> 0, 4);
  if (wide) {
    d.writeBigUInt64LE(BigInt(data.length), 8);
    d.writeBigUInt64LE(BigInt(data.length), 16);
  } else {
    d.writeUInt32LE(data.length, 8);
    d.writeUInt32LE(data.length, 12);
  }
  return d;
}

async function* pieces(bytes: Buffer, cuts: number[]): AsyncGenerator<Buffer> {
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (cut > at) yield bytes.subarray(at, cut);
    at = Math.max(at, cut);
  }
}

/** Runs `untilDescriptor` over `bytes` cut at `cuts`: what it handed on, what it found, and the bytes left after. */
async function readUntilDescriptor(bytes: Buffer, cuts: number[]) {
  const source = new ByteSource(pieces(bytes, cuts));
  const handed: Buffer[] = [];
  // Set by the callback, which the type checker cannot follow: typed by assertion, not narrowed to null.
  let found = null as { size: number | null; crc: number } | null;
  for await (const piece of source.untilDescriptor((size, crc) => (found = { size, crc }))) handed.push(Buffer.from(piece));
  const rest = await source.read(8);
  return { data: Buffer.concat(handed), found, rest, position: source.position };
}

describe('ByteSource.untilDescriptor: stored data up to the descriptor that confirms it, however the bytes arrive', () => {
  const data = Buffer.alloc(300);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + 11) & 0xff;
  // A lookalike: the descriptor's signature inside the data, whose CRC-32 and sizes do not confirm anything.
  data.writeUInt32LE(0x08074b50, 120);
  const after = Buffer.from('PK\x03\x04next', 'latin1');

  it.each([
    ['32-bit sizes', false],
    ['64-bit sizes', true],
  ])('finds the descriptor (%s) wherever the pieces are cut, and hands on exactly the data', async (_label, wide) => {
    const zip = Buffer.concat([data, descriptorFor(data, wide), after]);
    const start = data.length - 40;
    for (let first = start; first <= zip.length; first++) {
      for (const second of [first + 1, first + 7, first + 23, first + 30]) {
        const result = await readUntilDescriptor(zip, [first, second]);
        expect({ cut: [first, second], size: result.found?.size, crc: result.found?.crc, data: result.data.equals(data), rest: result.rest?.toString('latin1') }).toEqual({
          cut: [first, second],
          size: data.length,
          crc: crc32(data) >>> 0,
          data: true,
          rest: after.toString('latin1'),
        });
        expect(result.position).toBe(zip.length);
      }
    }
  });

  it('also when every piece is one byte', async () => {
    const zip = Buffer.concat([data, descriptorFor(data, true), after]);
    const result = await readUntilDescriptor(
      zip,
      Array.from({ length: zip.length }, (_, i) => i),
    );
    expect(result.found).toEqual({ size: data.length, crc: crc32(data) >>> 0 });
    expect(result.data.equals(data)).toBe(true);
    expect(result.rest?.toString('latin1')).toBe(after.toString('latin1'));
  });

  it('ends with null at the end of the zip when no descriptor confirms the data, having handed on every byte', async () => {
    for (const cuts of [[], [100], [290, 295]]) {
      const result = await readUntilDescriptor(data, cuts);
      expect(result.found).toEqual({ size: null, crc: crc32(data) >>> 0 });
      expect(result.data.equals(data)).toBe(true);
    }
  });

  it('takes a 32-bit descriptor that ends the zip', async () => {
    const zip = Buffer.concat([data, descriptorFor(data, false)]);
    for (const cut of [0, 250, data.length + 3, zip.length - 1]) {
      const result = await readUntilDescriptor(zip, [cut]);
      expect(result.found).toEqual({ size: data.length, crc: crc32(data) >>> 0 });
      expect(result.data.equals(data)).toBe(true);
    }
  });
});
