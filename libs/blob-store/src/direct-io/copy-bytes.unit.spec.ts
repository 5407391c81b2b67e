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
  // Longer than the 64 KiB the copy once realigned per step, and a few hundred bytes.
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

  it("copies into and out of shared memory without V8's element-wise copy (TypedArray set), and copies nothing of nothing", () => {
    const set = jest.spyOn(Uint8Array.prototype, 'set');
    try {
      const shared = memory(1000, true);
      expect(copyBytes(randomBytes(301), shared, 3)).toBe(301);
      expect(copyBytes(shared.subarray(5, 405), memory(500, false), 1)).toBe(400);
      expect(set).not.toHaveBeenCalled();
      expect(copyBytes(Buffer.alloc(0), shared, 1000)).toBe(0);
    } finally {
      set.mockRestore();
    }
  });

  it('refuses bytes that do not fit where they are to go, and copies nothing', () => {
    const target = memory(100, true, 7);
    expect(() => copyBytes(Buffer.alloc(64, 1), target, 40)).toThrow(RangeError);
    expect(target.every((b) => b === 7)).toBe(true);
  });
});
