import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chunkingFor } from '../chunking/chunking-options';
import { HashingThread } from '../hashing/hashing-thread';
import { IngestThread } from '../ingest/ingest-thread';
import { BACKGROUND_THREAD_NICE } from './background-priority';

/** This process's threads and their nice values, from `/proc` (Linux, where the priority is set per thread). */
function threadNiceValues(): Map<string, number> {
  const nice = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // Fields after the command's closing parenthesis start at the third; nice is the nineteenth.
      nice.set(tid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19 - 3]));
    } catch {
      // The thread ended while the list was read.
    }
  }
  return nice;
}

/** Threads at the background nice value that were not among `before`, once one shows up (or after `ms`). */
async function newBackgroundThreads(before: Map<string, number>, ms = 10_000): Promise<string[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = [...threadNiceValues()].filter(([tid, nice]) => nice === BACKGROUND_THREAD_NICE && before.get(tid) !== BACKGROUND_THREAD_NICE).map(([tid]) => tid);
    if (found.length > 0 || Date.now() > deadline) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the threads that follow a download run below the event loop that receives it', () => {
  let tmp: string;
  beforeEach(() => (tmp = mkdtempSync(join(tmpdir(), 'hangar-thread-priority-'))));
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  it('the ingest thread lowers its own priority, and only its own: the event loop stays where it was', async () => {
    const before = threadNiceValues();
    const thread = IngestThread.start({ path: join(tmp, 'not-yet-written'), location: { kind: 'fs', root: join(tmp, 'store') }, chunking: chunkingFor(64 * 1024) });
    try {
      expect(await newBackgroundThreads(before)).toHaveLength(1);
      expect(threadNiceValues().get(String(process.pid))).toBe(before.get(String(process.pid)));
    } finally {
      await thread.abort();
    }
  });

  it('the hashing thread does too', async () => {
    const before = threadNiceValues();
    const chunk = Buffer.from(new SharedArrayBuffer(3));
    chunk.write('abc');
    await expect(HashingThread.get().chunk(1, chunk)).resolves.toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(await newBackgroundThreads(before)).toHaveLength(1);
    expect(threadNiceValues().get(String(process.pid))).toBe(before.get(String(process.pid)));
  });
});
