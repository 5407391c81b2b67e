import { DEFAULT_AVG_CHUNK_BYTES } from '@hangar/contracts';

/** Chunk sizes in bytes: no cut before `minSize`, always one at `maxSize`, about `avgSize` on average. */
export interface ChunkingOptions {
  minSize: number;
  avgSize: number;
  maxSize: number;
}

export class InvalidChunkingOptions extends Error {
  readonly code = 'INVALID_CHUNKING_OPTIONS';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidChunkingOptions';
  }
}

/** FastCDC's usual proportions: min a quarter of the average, max four times it. The average is a power of two. */
export function chunkingFor(avgSize: number = DEFAULT_AVG_CHUNK_BYTES): ChunkingOptions {
  if (!Number.isInteger(avgSize) || avgSize < 256 || (avgSize & (avgSize - 1)) !== 0 || avgSize > 2 ** 28) {
    throw new InvalidChunkingOptions(`average chunk size must be a power of two from 256 bytes to 256 MiB, got ${avgSize}`);
  }
  return { minSize: avgSize / 4, avgSize, maxSize: avgSize * 4 };
}
