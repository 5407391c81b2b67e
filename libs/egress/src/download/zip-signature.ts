/**
 * A zip starts with a local file header `PK\x03\x04`, or is empty (`PK\x05\x06`), or was written as a spanned
 * archive (`PK\x07\x08`). Content-Type is not trusted: S3 serves zips as `application/octet-stream` or anything the
 * uploader set, and share links serve HTML pages as `200 OK`.
 */
const ZIP_SIGNATURES = [Buffer.from('PK\x03\x04', 'latin1'), Buffer.from('PK\x05\x06', 'latin1'), Buffer.from('PK\x07\x08', 'latin1')];
export const ZIP_SIGNATURE_BYTES = 4;
/** How much of a body that is not a zip is read before judging whether it is a page or some other file. */
export const SNIFF_BYTES = 512;

export function isZipSignature(head: Buffer): boolean {
  return ZIP_SIGNATURES.some((signature) => head.subarray(0, 4).equals(signature));
}

/**
 * A document (HTML, XML, JSON or plain text) where a file was expected: the URL is a page (login, share link, error
 * page), not a direct download, so the download failed. Other bytes that are not a zip are still a file the user
 * sent: the scanner rejects those as "Archive could not be extracted", as Streampixel does for a renamed non-zip.
 */
export function isDocument(head: Buffer): boolean {
  const text = head.subarray(0, SNIFF_BYTES);
  if (text.length === 0) return false;
  const bom = text[0] === 0xef && text[1] === 0xbb && text[2] === 0xbf ? 3 : 0;
  let printable = 0;
  for (let i = bom; i < text.length; i++) {
    const byte = text[i];
    if ((byte >= 0x20 && byte < 0x7f) || byte === 0x09 || byte === 0x0a || byte === 0x0d || byte >= 0x80) printable++;
    else if (byte === 0) return false;
  }
  return printable / (text.length - bom) > 0.95;
}

/** What the body is instead, for the user: `an HTML page` (a login, share or error page) or a generic phrase. */
export function describeNonZip(head: Buffer): string {
  const text = head.toString('latin1');
  const what = /^\s*(<!doctype html|<html|<head|<body|<\?xml|<script)/i.test(text)
    ? 'an HTML page (a login, share or error page?)'
    : /^\s*[[{]/.test(text)
      ? 'a JSON document'
      : 'a text document';
  const preview = text.replace(/[^\x20-\x7e]/g, '.').slice(0, 32).trim();
  return `${what}, starting with "${preview}"`;
}
