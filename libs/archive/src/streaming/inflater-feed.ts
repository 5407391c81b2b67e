import type { InflateRaw } from 'node:zlib';

/**
 * Writes `batches` into `inflate` one at a time, each once the one before is inflated (inflate's own pace: it takes
 * the next batch when its output has been read), and stops pulling when the deflate stream ends: inflate then
 * leaves input unconsumed (`bytesWritten` falls behind what it was given), and past its end it would take every
 * later batch at once without inflating it, so the source would be read to its end behind the parser's back. The
 * source's batches are pulled only here, one pull at a time, and the promise settles only once the last pull has:
 * afterwards the caller may read the source itself. It resolves with the bytes handed over (`onBatch` sees each
 * batch as it is). A source that fails destroys `inflate` with its error.
 */
export async function feedInflater(inflate: InflateRaw, batches: AsyncIterator<Buffer>, onBatch: (batch: Buffer) => void = () => undefined): Promise<number> {
  let handed = 0;
  try {
    while (!inflate.destroyed) {
      const { value, done } = await batches.next();
      if (done) break;
      onBatch(value);
      handed += value.length;
      await taken(inflate, value);
      if (inflate.bytesWritten < handed) break;
    }
    if (!inflate.destroyed) inflate.end();
  } catch (error) {
    inflate.destroy(error as Error);
  }
  return handed;
}

/**
 * Resolves once `inflate` has taken `batch` in (the write's callback), or has been destroyed (a corrupt stream, the
 * reader gone), whichever comes first: a destroyed stream does not always call back the write it was working on.
 */
function taken(inflate: InflateRaw, batch: Buffer): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      inflate.off('close', done);
      resolve();
    };
    inflate.once('close', done);
    inflate.write(batch, done);
  });
}
