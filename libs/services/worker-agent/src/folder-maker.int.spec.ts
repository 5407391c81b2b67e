import { mkdir } from 'node:fs/promises';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FolderMaker } from './folder-maker';

describe('FolderMaker', () => {
  let tmp: string;
  beforeEach(() => (tmp = mkdtempSync(join(tmpdir(), 'hangar-folders-'))));
  afterEach(() => {
    rmSync(tmp, { recursive: true, force: true });
  });

  it('makes each folder once, however many files ask for it at once', async () => {
    const asked: string[] = [];
    const folders = new FolderMaker((folder) => (asked.push(folder), mkdir(folder, { recursive: true })));
    const deep = join(tmp, 'Game', 'Content', 'Paks');
    await Promise.all(Array.from({ length: 50 }, (_, i) => folders.make(i % 2 ? deep : join(tmp, 'Engine'))));
    await folders.make(deep);
    expect(existsSync(deep)).toBe(true);
    expect(existsSync(join(tmp, 'Engine'))).toBe(true);
    expect(asked.sort()).toEqual([join(tmp, 'Engine'), deep].sort());
  });

  it('asks again for a folder it could not make', async () => {
    const folders = new FolderMaker();
    writeFileSync(join(tmp, 'blocked'), 'a file where a folder should be');
    await expect(folders.make(join(tmp, 'blocked', 'inside'))).rejects.toThrow();
    rmSync(join(tmp, 'blocked'));
    await folders.make(join(tmp, 'blocked', 'inside'));
    expect(existsSync(join(tmp, 'blocked', 'inside'))).toBe(true);
  });
});
