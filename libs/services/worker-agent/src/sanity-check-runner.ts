import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { SanityCheck } from '@hangar/contracts';

export type SanityVerdict = { passed: true } | { passed: false; reason: string };

/** How much of the check's output (stdout and stderr, interleaved) a failure's reason quotes, from its end. */
const OUTPUT_TAIL_CHARS = 1000;

/**
 * Runs a project's sanity check on a materialised build: the argument vector with `{dir}` (the build folder) and
 * `{exe}` (the executable in it) replaced, without a shell, in the build folder, in a process group of its own so
 * that whatever it started goes with it (a timeout, or leftovers once it exits). Never throws: a check that cannot
 * start fails the build as much as one that exits non-zero.
 */
export class SanityCheckRunner {
  private readonly running = new Set<ChildProcess>();

  /** Ends every check under way (the agent is stopping): nothing they launched outlives the agent. */
  stopAll(): void {
    for (const child of this.running) killGroup(child);
  }

  run(check: SanityCheck, buildDir: string, executable: string | undefined): Promise<SanityVerdict> {
    const exe = executable ? join(buildDir, executable) : '';
    const [program, ...args] = check.command.map((arg) => arg.replaceAll('{dir}', buildDir).replaceAll('{exe}', exe));
    return new Promise((resolve) => {
      let settled = false;
      let output = '';
      let timedOut = false;
      const settle = (verdict: SanityVerdict) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(verdict);
      };
      const child = spawn(program, args, { cwd: buildDir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      this.running.add(child);
      child.once('close', () => this.running.delete(child));
      const keep = (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS));
      child.stdout?.on('data', keep);
      child.stderr?.on('data', keep);
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup(child);
      }, check.timeoutSeconds * 1000);
      child.once('error', (error) => {
        this.running.delete(child);
        settle({ passed: false, reason: `${program} could not be started: ${error.message}` });
      });
      child.once('exit', (code, signal) => {
        killGroup(child);
        const tail = output.trim() ? `; output: ${output.trim()}` : '';
        if (timedOut) settle({ passed: false, reason: `${program} timed out after ${check.timeoutSeconds} s${tail}` });
        else if (code === 0) settle({ passed: true });
        else settle({ passed: false, reason: `${program} exited with ${code === null ? `signal ${signal}` : `code ${code}`}${tail}` });
      });
    });
  }
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // The group is gone already.
  }
}
