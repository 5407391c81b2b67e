import { InvalidBlobKey } from '../port/blob-store.port';
import { assertValidBlobKey, assertValidBlobPrefix, compareBlobKeys } from './blob-key';

describe('blob keys', () => {
  it.each(['a', 'builds/u1/files/Game.exe', 'a/.hidden', 'a/..b/c.', 'ü/😀', 'x'.repeat(255)])('accepts %s', (key) => {
    expect(() => assertValidBlobKey(key)).not.toThrow();
  });

  it.each([
    ['', 'empty'],
    ['/abs', 'absolute'],
    ['a//b', 'empty segment'],
    ['a/', 'empty segment'],
    ['.', '"." segment'],
    ['a/../b', '".." segment'],
    ['a\\b', 'backslash'],
    ['a\0b', 'NUL'],
    ['x'.repeat(256), 'segment longer'],
    ['a/'.repeat(512) + 'a', 'longer than 1024 bytes'],
  ])('refuses %j (%s)', (key, reason) => {
    expect(() => assertValidBlobKey(key)).toThrow(InvalidBlobKey);
    expect(() => assertValidBlobKey(key)).toThrow(reason);
  });

  it('accepts any cut of a valid key as a prefix, and refuses prefixes no key can have', () => {
    for (const prefix of ['', 'a', 'a/', 'a/.', 'a/..', 'builds/u1/fi']) expect(() => assertValidBlobPrefix(prefix)).not.toThrow();
    for (const prefix of ['/', '/a', 'a//', '../', 'a/./', 'a\\']) expect(() => assertValidBlobPrefix(prefix)).toThrow(InvalidBlobKey);
  });

  it('orders keys by UTF-8 bytes, as S3 does, not by UTF-16 code units', () => {
    expect(['a/b', 'a-b', 'a'].sort(compareBlobKeys)).toEqual(['a', 'a-b', 'a/b']);
    // U+FF5E is one UTF-16 unit above the surrogates of U+1F600 but below it in UTF-8.
    expect(['😀', '～'].sort(compareBlobKeys)).toEqual(['～', '😀']);
  });
});
