import { opendir } from 'node:fs/promises';
import { join } from 'node:path';
import { compareBlobKeys } from '../../key/blob-key';
import { isMissing } from './contained-path';

export interface WalkedFile {
  key: string;
  path: string;
}

/**
 * Every regular file under `dir`, as keys (`keyPrefix` + relative path), in global key order, holding one directory's
 * entries in memory at a time. Sorting a directory's entries with `/` appended to sub-directory names gives the
 * global order: every key under `d` starts with `d/`, and no file in the same directory is named `d`.
 *
 * Symbolic links are not followed (nor listed): a link could lead out of the store or into a cycle.
 */
export async function* walkInKeyOrder(dir: string, keyPrefix: string, nameStartsWith = ''): AsyncGenerator<WalkedFile> {
  const entries: { sortKey: string; name: string; isDirectory: boolean }[] = [];
  try {
    for await (const entry of await opendir(dir)) {
      if (!entry.name.startsWith(nameStartsWith)) continue;
      if (entry.isDirectory()) entries.push({ sortKey: entry.name + '/', name: entry.name, isDirectory: true });
      else if (entry.isFile()) entries.push({ sortKey: entry.name, name: entry.name, isDirectory: false });
    }
  } catch (error) {
    if (isMissing(error)) return;
    throw error;
  }
  entries.sort((a, b) => compareBlobKeys(a.sortKey, b.sortKey));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    const key = keyPrefix + entry.name;
    if (entry.isDirectory) yield* walkInKeyOrder(path, key + '/');
    else yield { key, path };
  }
}
