import { mkdir } from 'node:fs/promises';

/**
 * Makes folders (`mkdir -p`) once each while a build is assembled: its files share a few dozen folders, and asking
 * for each file's folder again cost a build of 4000 files thousands of calls through libuv's pool. Calls for the same
 * folder at once share one `mkdir`; a failed one is asked again next time.
 */
export class FolderMaker {
  private readonly made = new Map<string, Promise<void>>();

  /** @param makeFolder `mkdir -p` (tests count the calls). */
  constructor(private readonly makeFolder: (folder: string) => Promise<unknown> = (folder) => mkdir(folder, { recursive: true })) {}

  make(folder: string): Promise<void> {
    let making = this.made.get(folder);
    if (!making) {
      making = this.makeFolder(folder).then(() => undefined);
      making.catch(() => this.made.delete(folder));
      this.made.set(folder, making);
    }
    return making;
  }
}
