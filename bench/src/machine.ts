import { execSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';

/** What the numbers were measured on: they mean little without it. */
export function describeMachine() {
  let disk = 'unknown';
  try {
    disk = execSync('df -h --output=fstype,size . | tail -1', { encoding: 'utf8' }).trim();
  } catch {
    /* not Linux */
  }
  return { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, disk };
}
