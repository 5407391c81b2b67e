import { realpath } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';

/**
 * A key resolved (lexically or through symbolic links) to a place outside the store's directory. Key validation
 * already rules out `..`, so this means someone planted a symbolic link inside the store: refuse, never follow.
 */
export class BlobPathOutsideRoot extends Error {
  readonly code = 'BLOB_PATH_OUTSIDE_ROOT';
  constructor(
    readonly key: string,
    readonly path: string,
  ) {
    super(`blob ${key} resolves to ${path}, outside the store`);
    this.name = 'BlobPathOutsideRoot';
  }
}

export function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** The lexical path of a (validated) key under `root`, checked once more so that no future key rule can open a hole. */
export function lexicalPath(root: string, key: string): string {
  const path = resolve(root, ...key.split('/'));
  if (!isInside(root, path) || path === root) throw new BlobPathOutsideRoot(key, path);
  return path;
}

/**
 * Resolve symbolic links in `path`, or in its deepest existing ancestor when it does not exist yet (a `put` into a
 * new directory), and check that the result is still under `realRoot`.
 */
export async function assertRealPathInside(realRoot: string, path: string, key: string): Promise<void> {
  let probe = path;
  for (;;) {
    try {
      const real = await realpath(probe);
      if (!isInside(realRoot, real)) throw new BlobPathOutsideRoot(key, real);
      return;
    } catch (error) {
      if (!isMissing(error)) throw error;
      const parent = dirname(probe);
      if (parent === probe) return;
      probe = parent;
    }
  }
}

/** ENOENT, or ENOTDIR when a path segment that should be a directory is a file (`a/b` stored, `a/b/c` asked). */
export function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
