import { randomBytes } from 'node:crypto';
import { copyBytes } from './copy-bytes';

/** A buffer of `length` bytes, plain or in shared memory, filled with `fill`. */
const memory = (length: number, shared: boolean, fill = 0): Buffer => {
  const buffer = shared ? Buffer.from(new SharedArrayBuffer(length)) : Buffer.alloc(length);
  return buffer.fill(fill);
};

describe('copyBytes: copies into and out of shared memory whatever the two alignments', () => {
  const kinds = [
    { name: 'plain', shared: false },
    { name: 'shared', shared: true },
  ];
  // Longer than the 64 KiB it realigns per step, so that steps follow one another; and a few hundred bytes.
  const lengths = [200_003, 300];

  for (const from of kinds) {
    for (const to of kinds) {
      it(`copies ${from.name} memory into ${to.name} memory exactly, from and to every offset of a word, touching nothing else`, () => {
        for (const length of lengths) {
          for (let sourceOffset = 0; sourceOffset < 9; sourceOffset += 3) {
            for (let targetOffset = 0; targetOffset < 9; targetOffset++) {
              const bytes = randomBytes(length);
              const source = memory(length + 16, from.shared);
              bytes.copy(source, sourceOffset);
              const target = memory(length + 32, to.shared, 0xa5);
              expect(copyBytes(source.subarray(sourceOffset, sourceOffset + length), target, targetOffset + 8)).toBe(length);
              expect(target.subarray(targetOffset + 8, targetOffset + 8 + length).equals(bytes)).toBe(true);
              expect(target.subarray(0, targetOffset + 8).every((b) => b === 0xa5)).toBe(true);
              expect(target.subarray(targetOffset + 8 + length).every((b) => b === 0xa5)).toBe(true);
            }
          }
        }
      });
    }
  }

  it('refuses bytes that do not fit where they are to go, and copies nothing', () => {
    const target = memory(100, true, 7);
    expect(() => copyBytes(Buffer.alloc(64, 1), target, 40)).toThrow(RangeError);
    expect(target.every((b) => b === 7)).toBe(true);
  });
});
