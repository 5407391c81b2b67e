import { execFile } from 'node:child_process';

export async function timed<T>(run: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const start = process.hrtime.bigint();
  const value = await run();
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, value };
}

export function shell(command: string, cwd: string): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile('bash', ['-o', 'pipefail', '-c', command], { cwd, maxBuffer: 16 * 1024 * 1024 }, (error) => (error ? reject(error) : resolve())),
  );
}

/** Peak resident memory of a live process (Linux `VmHWM`), in MiB. */
export async function peakRssMiB(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmHWM:\s+(\d+)\s+kB/.exec(status)?.[1] ?? NaN);
  return Math.round(kib / 1024);
}

/** CPU time a live process has used so far, all its threads (Linux `/proc/<pid>/stat` utime + stime), in seconds. */
export async function cpuSeconds(pid: number): Promise<{ user: number; system: number }> {
  const { readFile } = await import('node:fs/promises');
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces, hence the last ')'): utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = 100; // USER_HZ on Linux
  return { user: Number(fields[11]) / ticks, system: Number(fields[12]) / ticks };
}
