import type { RangeReadable } from '../archive-source/archive-source';
import { ArchiveSourceFailed, ArchiveUnreadable } from '../rejection/archive-rejection.error';

/** yauzl's messages are for programmers; these are for the user who uploaded the zip. */

async function firstBytes(source: RangeReadable, count: number): Promise<Buffer> {
  const stream = await source.read(0, Math.min(count, source.size));
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).subarray(0, count);
}

function preview(bytes: Buffer): string {
  const text = bytes.toString('latin1').replace(/[^\x20-\x7e]/g, '.').trim();
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

export async function describeOpenFailure(error: unknown, source: RangeReadable): Promise<Error> {
  if (error instanceof ArchiveSourceFailed || error instanceof ArchiveUnreadable) return error;
  const message = error instanceof Error ? error.message : String(error);
  let head: Buffer;
  try {
    head = await firstBytes(source, 64);
  } catch (readError) {
    return new ArchiveSourceFailed(`reading the archive failed: ${(readError as Error).message}`, { cause: readError });
  }
  if (head.subarray(0, 2).toString('latin1') !== 'PK') {
    const html = /^\s*(<!doctype html|<html|<\?xml|<head|<body)/i.test(head.toString('latin1'));
    return new ArchiveUnreadable(
      `not a zip archive: the file starts with "${preview(head)}"` +
        (html ? ' (an HTML page: the URL leads to a web page, not to the file itself)' : ''),
      { cause: error },
    );
  }
  if (/end of central directory record signature not found/.test(message)) {
    return new ArchiveUnreadable('truncated or incomplete zip archive: its end-of-central-directory record is missing', {
      cause: error,
    });
  }
  return new ArchiveUnreadable(`corrupt zip archive: ${message}`, { cause: error });
}

/** Errors while reading the central directory or an entry's data. */
export function describeReadFailure(error: unknown, path?: string): Error {
  if (error instanceof ArchiveSourceFailed || error instanceof ArchiveUnreadable) return error;
  const message = error instanceof Error ? error.message : String(error);
  const where = path ? `entry ${path}: ` : '';
  if (/strong encryption/.test(message)) {
    return new ArchiveUnreadable(`${where}the archive uses strong encryption; Hangar needs an unencrypted zip`, { cause: error });
  }
  if (/unexpected EOF|overflows file bounds|not enough bytes/.test(message)) {
    return new ArchiveUnreadable(`${where}truncated zip archive (${message})`, { cause: error });
  }
  return new ArchiveUnreadable(`${where}corrupt zip archive (${message})`, { cause: error });
}
